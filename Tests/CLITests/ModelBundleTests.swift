import Foundation
import Testing
import TestSupport

/// `nmt export --format bundle`, `--model DIR`, and NMT_MODEL_DIR (where translate, serve
/// and score look for the bundled model when no model is named).
@Suite(.serialized)
struct ModelBundleTests {
    static let input = Data("En el principio\nY dijo Dios\nY fue la tarde y la mañana\n".utf8)

    static func manifest(_ path: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        return try #require(object as? [String: Any])
    }

    @Test func exportedBundleTranslatesLikeTheRun() throws {
        let ws = try TranslateCommandTests.trainedWorkspace()
        let eval = try ws.run(["eval", "r", "--split", "test", "--src", "valid.es", "--ref", "valid.en", "--beam", "1", "--out", "valid.hyp"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let export = try ws.run(["export", "r", "--format", "bundle", "--out", "bundle"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("wrote bundle: ") && export.stdout.contains("test BLEU") && export.stdout.contains("es→en"), "\(export.stdout)")

        let manifest = try Self.manifest(ws.path("bundle/model.json"))
        #expect(manifest["format"] as? String == "nmt-model-bundle/1")
        #expect(manifest["run"] as? String == "r")
        let files = try #require(manifest["files"] as? [String: String])
        #expect(files["model.safetensors"]?.count == 64 && files["vocab.bpe"]?.count == 64)
        #expect(try Data(contentsOf: URL(fileURLWithPath: ws.path("bundle/vocab.bpe"))) == Data(contentsOf: URL(fileURLWithPath: ws.path("small.bpe"))))
        let evaluations = try #require(manifest["evaluations"] as? [[String: Any]])
        #expect(evaluations.count == 1 && evaluations.first?["split"] as? String == "test")
        let provenance = try #require(manifest["provenance"] as? [String: Any])
        let corpus = try #require(provenance["corpus"] as? [String: [String: String]])
        #expect(corpus["train.source"]?["path"] == "train.es" && corpus["train.source"]?["sha256"]?.count == 64)
        #expect((manifest["configuration"] as? String)?.contains("\"modelDimension\" : 32") == true)

        let fromRun = try ws.run(["translate", "--run", "r", "--beam", "3"], stdin: Self.input)
        let fromBundle = try ws.run(["translate", "--model", "bundle", "--beam", "3"], stdin: Self.input)
        #expect(fromRun.status == 0 && fromBundle.status == 0, "\(fromBundle.stderr)")
        #expect(fromBundle.stdout == fromRun.stdout && fromBundle.stdout.split(separator: "\n").count == 3)

        // As the default model (NMT_MODEL_DIR), with no model flags at all.
        let byDefault = try NMTProcess.run(["translate", "--beam", "3"], in: ws.directory, stdin: Self.input,
                                           environment: ["NMT_MODEL_DIR": ws.path("bundle")])
        #expect(byDefault.status == 0, "\(byDefault.stderr)")
        #expect(byDefault.stdout == fromRun.stdout)
        #expect(byDefault.stderr.contains("using the bundled model bundle: es→en"), "\(byDefault.stderr)")
    }

    @Test func damagedOrMissingBundlesAreOneLineErrors() throws {
        let ws = try TranslateCommandTests.trainedWorkspace()
        #expect(try ws.run(["export", "r", "--format", "bundle", "--out", "bundle"]).status == 0)

        // A safetensors file without --vocab still needs it.
        let noVocab = try ws.run(["translate", "--model", "bundle/model.safetensors"], stdin: Self.input)
        #expect(noVocab.status != 0 && noVocab.errorLines.count == 1 && noVocab.stderr.contains("--model needs --vocab"), "\(noVocab.stderr)")

        // A changed weight file is caught by the manifest's SHA-256, naming the file.
        let model = URL(fileURLWithPath: ws.path("bundle/model.safetensors"))
        var bytes = try Data(contentsOf: model)
        bytes[bytes.count - 1] ^= 0x01
        try bytes.write(to: model)
        let damaged = try ws.run(["translate", "--model", "bundle"], stdin: Self.input)
        #expect(damaged.status != 0 && damaged.errorLines.count == 1, "\(damaged.stderr)")
        #expect(damaged.stderr.contains("bundle/model.safetensors: SHA-256") && damaged.stderr.contains("model.json"), "\(damaged.stderr)")

        // A file the manifest names is missing: one line naming it (not a Foundation error dump).
        #expect(try ws.run(["export", "r", "--format", "bundle", "--out", "partial"]).status == 0)
        try FileManager.default.removeItem(atPath: ws.path("partial/vocab.bpe"))
        let gone = try ws.run(["translate", "--model", "partial"], stdin: Self.input)
        #expect(gone.status != 0 && gone.errorLines.count == 1 && gone.stderr.contains("partial/vocab.bpe: no such file")
                && !gone.stderr.contains("NSCocoaErrorDomain"), "\(gone.stderr)")

        let missing = try NMTProcess.run(["translate"], in: ws.directory, stdin: Self.input, environment: ["NMT_MODEL_DIR": ws.path("nowhere")])
        #expect(missing.status != 0 && missing.errorLines.count == 1 && missing.stderr.contains("NMT_MODEL_DIR=") && missing.stderr.contains("nowhere"),
                "\(missing.stderr)")

        let shortlist = try ws.run(["translate", "--shortlist"], stdin: Self.input)
        #expect(shortlist.status != 0 && shortlist.stderr.contains("--shortlist needs --run"), "\(shortlist.stderr)")
    }

    /// `nmt serve --model DIR` answers like translate and GET /model names the bundle.
    @Test func servesABundle() throws {
        let ws = try TranslateCommandTests.trainedWorkspace()
        #expect(try ws.run(["export", "r", "--format", "bundle", "--out", "bundle"]).status == 0)
        let server = try NMTCoprocess(["serve", "--model", "bundle", "--port", "0", "--beam", "2", "--threads", "2"], in: ws.directory)
        // A hang guard only (loading the model on a loaded machine may be slow), never a measure.
        guard let line = server.readLine(timeout: 600), let port = line.split(separator: ":").last.flatMap({ UInt16($0.prefix { $0.isNumber }) }) else {
            throw TestSupportError("the server did not say where it listens: \(try server.finish().stderr)")
        }
        let cli = try ws.run(["translate", "--model", "bundle", "--beam", "2"], stdin: Data("Y dijo Dios\n".utf8))
        let reply = try LoopbackHTTP.post(port: port, "/translate", json: #"{"text": ["Y dijo Dios"]}"#)
        #expect((reply.json as? [String: Any])?["translations"] as? [String] == [cli.stdout.trimmingCharacters(in: .newlines)])
        let model = try #require(try LoopbackHTTP.request(port: port, "GET", "/model").json as? [String: Any])
        let bundle = try #require(model["bundle"] as? [String: Any])
        #expect(bundle["run"] as? String == "r" && (bundle["description"] as? String)?.contains("es→en") == true)
        #expect((model["model_file"] as? String)?.hasSuffix("bundle/model.safetensors") == true)
        server.send(signal: SIGTERM)
        #expect(try server.finish().status == 0)
    }
}
