import Foundation

/// A small workspace for end-to-end training tests: the first lines of the built-in corpus
/// (built by `make data`), a 600-piece BPE learned from them, and model flags for a
/// one-layer, 32-dimensional Transformer, so a run takes seconds.
struct TrainingWorkspace {
    let directory: URL

    static let modelFlags = ["--src", "train.es", "--tgt", "train.en", "--valid-src", "valid.es", "--valid-tgt", "valid.en",
                             "--vocab", "small.bpe", "--d-model", "32", "--heads", "2", "--ffn", "64",
                             "--encoder-layers", "1", "--decoder-layers", "1", "--max-tokens", "600", "--threads", ProcessInfo.processInfo.environment["NMT_THREADS"] ?? "2", "--quiet"]

    init(label: String) throws {
        directory = try NMTProcess.scratchDirectory(label)
        let corpus = NMTProcess.packageRoot.appendingPathComponent("data/bible")
        for (file, lines) in [("train.es", 400), ("train.en", 400), ("valid.es", 40), ("valid.en", 40), ("test.es", 30), ("test.en", 30)] {
            let source = corpus.appendingPathComponent(file)
            guard let text = try? String(contentsOf: source, encoding: .utf8) else {
                throw NMTProcess.Failure(description: "\(source.path) is missing: run `make data` first")
            }
            let head = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(lines).joined(separator: "\n") + "\n"
            try head.write(to: directory.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        let learned = try run(["bpe", "learn", "--vocab-size", "600", "--out", "small.bpe", "train.es", "train.en"])
        guard learned.status == 0 else { throw NMTProcess.Failure(description: "bpe learn failed: \(learned.stderr)") }
    }

    func run(_ arguments: [String], stdin: Data? = nil) throws -> NMTProcess.Result {
        try NMTProcess.run(arguments, in: directory, stdin: stdin)
    }

    func train(_ name: String, _ extra: [String]) throws -> NMTProcess.Result {
        try run(["train", "--name", name] + Self.modelFlags + extra)
    }

    func path(_ file: String) -> String { directory.appendingPathComponent(file).path }
}
