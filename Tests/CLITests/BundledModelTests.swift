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
        let sources = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("data/bible/test.es"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).prefix(40)
        let references = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("data/bible/test.en"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).prefix(40)
        let hyp = try NMTProcess.run(["translate", "--beam", "1", "--threads", "2", "--quiet"], in: scratch.url,
                                     stdin: Data((sources.joined(separator: "\n") + "\n").utf8))
        #expect(hyp.status == 0, "\(hyp.stderr)")
        try hyp.stdoutData.write(to: scratch.url.appendingPathComponent("hyp"))
        try Data((references.joined(separator: "\n") + "\n").utf8).write(to: scratch.url.appendingPathComponent("ref"))
        let bleu = try NMTProcess.run(["bleu", "ref", "-i", "hyp", "-b"], in: scratch.url)
        let score = Double(bleu.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(bleu.status == 0 && score > 10, "BLEU of the bundled model on 40 test verses: \(bleu.stdout) \(bleu.stderr)")
    }
}
