import Application
import Corpus
import Foundation
import Metrics
import SafeTensors
import Serving
import Text

/// The readers of outside input, each as a function of arbitrary bytes, for libFuzzer
/// (`make fuzz`, through `nmt-fuzz`) and for the regression test that replays every committed
/// input (`Tests/Fixtures/fuzz/TARGET/`). A target may throw (that is the reader refusing bad
/// input, as it should); it must never crash, hang or read outside its buffers.
public enum FuzzTargets {
    public static let all: [String: ([UInt8]) -> Void] = [
        "safetensors": safetensors,
        "bpe-model": bpeModel,
        "corpus-lines": corpusLines,
        "yaml-config": yamlConfig,
        "bundle-manifest": bundleManifest,
        "http-request": httpRequest,
    ]

    /// A safetensors file: header, offsets, shapes, then every tensor's values.
    static func safetensors(_ bytes: [UInt8]) {
        guard let file = try? SafeTensorsFile(data: Data(bytes), path: "fuzz.safetensors") else { return }
        for (name, entry) in file.entries { _ = try? file.floats(name, expectedShape: entry.shape) }
    }

    /// An nmt BPE model file, then an encode and decode with it.
    static func bpeModel(_ bytes: [UInt8]) {
        guard let model = try? BPEModel.parse(bytes, path: "fuzz.bpe") else { return }
        let (ids, _) = model.encode(lines: ["hola mundo", "ñandú"])
        for line in ids { _ = model.decode(line) }
    }

    /// The line readers of corpora and of hypothesis/reference files.
    static func corpusLines(_ bytes: [UInt8]) {
        _ = try? Corpus.TextLines.split(Data(bytes), path: "fuzz.txt")
        _ = try? Metrics.TextLines(utf8: bytes, name: "fuzz.txt")
    }

    /// A YAML training configuration (nmt train --config).
    static func yamlConfig(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        _ = try? ConfigFile(yaml: text, name: "fuzz.yaml")
    }

    /// A model bundle's manifest (model.json).
    static func bundleManifest(_ bytes: [UInt8]) {
        _ = try? ModelBundle.manifest(data: Data(bytes), name: "model.json")
    }

    /// Bytes from a client, fed to the HTTP parser whole and split in two at the first byte's
    /// value, and every complete request answered by the API (with a stand-in translator).
    static func httpRequest(_ bytes: [UInt8]) {
        let limits = HTTPLimits(maxRequestLineBytes: 256, maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 4096)
        for split in [bytes.count, bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)] {
            var parser = HTTPRequestParser(limits: limits)
            for piece in [bytes[..<split], bytes[split...]] {
                parser.append(piece)
                while let event = try? parser.next() {
                    guard case .request(let request) = event else { continue }
                    _ = api.respond(method: request.method, path: request.path, body: request.body)
                }
            }
        }
    }

    static let api = TranslationAPI(limits: .init(maxBodyBytes: 4096, maxSentences: 4, maxLineCharacters: 64, maxBeam: 4),
                                    modelJSON: Data(#"{"run":"fuzz"}"#.utf8)) { lines, _, nbest, _ in
        lines.map { line in
            ScoredTranslation(sourcePieces: [], hypotheses: (0..<nbest).map { _ in
                ScoredHypothesis(text: line.uppercased(), pieces: [], logProb: -1, score: -1, tokenLogProbs: [])
            })
        }
    }
}
