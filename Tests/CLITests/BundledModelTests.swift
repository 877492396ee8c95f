import Foundation
import Testing
import TestSupport

/// The committed models/bible-es-en, the model translate, serve and score use when no model is named.
@Suite(.serialized)
struct BundledModelTests {
    /// The committed models/bible-es-en: intact (its manifest's hashes), found beside the nmt
    /// binary from any directory, and it translates: Genesis 1:1 and the first test verses.
    @Test func theCommittedModelTranslatesWithoutTraining() throws {
        let directory = Fixtures.packageRoot.appendingPathComponent("models/bible-es-en")
        let manifest = try ModelBundleTests.manifest(directory.appendingPathComponent("model.json").path)
        #expect(manifest["format"] as? String == "nmt-model-bundle/1")
        let evaluations = try #require(manifest["evaluations"] as? [[String: Any]])
        let test = try #require(evaluations.first { $0["split"] as? String == "test" })
        #expect((test["bleu"] as? Double ?? 0) > 15, "the committed model's recorded test BLEU")

        let scratch = try TemporaryDirectory("bundled")
        let genesis = try NMTProcess.run(["translate", "--beam", "5", "--threads", "2"], in: scratch.url,
                                         stdin: Data("En el principio creó Dios los cielos y la tierra.\n".utf8))
        #expect(genesis.status == 0, "\(genesis.stderr)")
        #expect(genesis.stderr.contains("using the bundled model bible-es-en"), "\(genesis.stderr)")
        let line = genesis.stdout.lowercased()
        #expect(line.contains("beginning") && line.contains("god") && line.contains("earth"), "\(genesis.stdout)")

        // The first 40 test verses score like a trained model, not like garbage or a copy.
        let (_, score) = try Self.translateTestVerses(40, in: scratch, options: ["--beam", "1"])
        #expect(score > 10, "BLEU of the bundled model on 40 test verses: \(score)")
    }

    /// `--int8` on the bundled model: beam 5 on 60 test verses loses at most 1.5 BLEU against
    /// float32 (the whole test set's figure is measured in scripts/bench/60-translate.sh), and
    /// most lines come out the same.
    @Test func int8DecodingKeepsTheBundledModelsQuality() throws {
        let scratch = try TemporaryDirectory("bundled-int8")
        let (float, floatBLEU) = try Self.translateTestVerses(60, in: scratch, options: ["--beam", "5"])
        let (int8, int8BLEU) = try Self.translateTestVerses(60, in: scratch, options: ["--beam", "5", "--int8"])
        let same = zip(float, int8).filter { $0 == $1 }.count
        print("bundled model, 60 test verses, beam 5: BLEU float32 \(floatBLEU), int8 \(int8BLEU); \(same)/60 lines identical")
        #expect(int8BLEU >= floatBLEU - 1.5, "int8 BLEU \(int8BLEU) against float32 \(floatBLEU)")
        #expect(same >= 30, "only \(same) of 60 int8 lines equal the float32 ones")
        let version = try NMTProcess.run(["version"])
        #expect(["vnni512", "avx2", "baseline"].contains { version.stdout.contains("int8 decoding kernel \($0)\n") }, "\(version.stdout)")
        #expect(["avx512", "avx2", "baseline"].contains { version.stdout.contains("vector kernels \($0) (") }, "\(version.stdout)")
    }

    /// The bundled model's translations of the first `count` test verses and their BLEU.
    static func translateTestVerses(_ count: Int, in scratch: TemporaryDirectory, options: [String]) throws -> ([Substring], Double) {
        func lines(_ file: String) throws -> [Substring] {
            try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("data/bible/\(file)"), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).prefix(count).map { $0 }
        }
        let hyp = try NMTProcess.run(["translate", "--threads", "2", "--quiet"] + options, in: scratch.url,
                                     stdin: Data((try lines("test.es").joined(separator: "\n") + "\n").utf8))
        #expect(hyp.status == 0, "\(hyp.stderr)")
        try hyp.stdoutData.write(to: scratch.url.appendingPathComponent("hyp"))
        try Data((try lines("test.en").joined(separator: "\n") + "\n").utf8).write(to: scratch.url.appendingPathComponent("ref"))
        let bleu = try NMTProcess.run(["bleu", "ref", "-i", "hyp", "-b"], in: scratch.url)
        #expect(bleu.status == 0, "\(bleu.stderr)")
        return (hyp.stdout.split(separator: "\n", omittingEmptySubsequences: false), Double(bleu.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1)
    }
}
