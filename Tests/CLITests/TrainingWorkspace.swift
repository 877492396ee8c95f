import Foundation
import Store
import TestSupport

/// A small workspace for end-to-end training tests: the checked-in small corpus
/// (Fixtures.smallCorpus), a 600-piece BPE learned from it, and model flags for a
/// one-layer, 32-dimensional Transformer, so a run takes seconds. The directory is removed
/// when the workspace is released.
struct TrainingWorkspace {
    let scratch: TemporaryDirectory
    var directory: URL { scratch.url }

    static let modelFlags = ["--src", "train.es", "--tgt", "train.en", "--valid-src", "valid.es", "--valid-tgt", "valid.en",
                             "--vocab", "small.bpe", "--d-model", "32", "--heads", "2", "--ffn", "64",
                             "--encoder-layers", "1", "--decoder-layers", "1", "--max-tokens", "600", "--threads", ProcessInfo.processInfo.environment["NMT_THREADS"] ?? "2", "--quiet"]

    init(label: String) throws {
        scratch = try TemporaryDirectory(label)
        try scratch.copy(fixtures: Fixtures.smallCorpusFiles, from: Fixtures.smallCorpus)
        let learned = try run(["bpe", "learn", "--vocab-size", "600", "--out", "small.bpe", "train.es", "train.en"])
        guard learned.status == 0 else { throw TestSupportError("bpe learn failed: \(learned.stderr)") }
    }

    /// `nmt arguments…`, or with `ranks` under `mpirun -np ranks`.
    func run(_ arguments: [String], stdin: Data? = nil, ranks: Int? = nil) throws -> NMTProcess.Result {
        try NMTProcess.run(arguments, in: directory, stdin: stdin, ranks: ranks)
    }

    func train(_ name: String, _ extra: [String], ranks: Int? = nil) throws -> NMTProcess.Result {
        try run(["train", "--name", name] + Self.modelFlags + extra, ranks: ranks)
    }

    func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

    /// After a stop signal: the last checkpoint holds the last update trained (none after the
    /// highest logged one) and is the interrupted one, or the epoch-end one when the signal
    /// came while that was being taken (the trainer does not save the same update twice).
    static func stopLostNothing(_ last: CheckpointInfo, store: RunStore, run: String) throws -> Bool {
        let logged = try store.metrics(run: run).map(\.update).max() ?? 0
        return last.update >= logged && (last.kind == .interrupted || last.kind == .epoch)
    }
}
