import Collective
import Foundation
import Store
import Training

/// What rank 0 sends the other ranks of a data-parallel job before the first update, so that
/// every rank trains the same run from the same state without opening the database: the run's
/// name and configuration, the hashes of the vocabulary and corpus files (each rank reads its
/// own copies, which must be the same), then the weights (broadcast straight into each
/// rank's model), and on resume the optimizer and training state of the checkpoint.
struct RankHandshake {
    var name: String
    var configurationJSON: String
    var vocabularySHA256: String
    var corpus: [File]
    /// A checkpoint's optimizer and training state (resume); nil for a new run.
    var optimizer: [UInt8]?
    var state: [UInt8]?

    /// The part sent as JSON; the weights and states follow as raw bytes.
    private struct Header: Codable {
        var name: String
        var configurationJSON: String
        var vocabularySHA256: String
        var corpus: [File]
        var resumed: Bool
    }

    struct File: Codable {
        var path: String
        var sha256: String
    }

    init(name: String, configurationJSON: String, vocabularySHA256: String, corpus: [CorpusFile], optimizer: [UInt8]?, state: [UInt8]?) {
        self.name = name
        self.configurationJSON = configurationJSON
        self.vocabularySHA256 = vocabularySHA256
        self.corpus = corpus.map { File(path: $0.path, sha256: $0.sha256) }
        self.optimizer = optimizer
        self.state = state
    }

    private init(_ header: Header) {
        name = header.name
        configurationJSON = header.configurationJSON
        vocabularySHA256 = header.vocabularySHA256
        corpus = header.corpus
    }

    /// Rank 0's side.
    func send(weights: UnsafeMutableBufferPointer<Float>, over collective: Collective) throws {
        let header = Header(name: name, configurationJSON: configurationJSON, vocabularySHA256: vocabularySHA256, corpus: corpus,
                            resumed: optimizer != nil)
        _ = collective.broadcast(Array(try JSONEncoder().encode(header)), root: 0)
        collective.broadcast(UnsafeMutableRawBufferPointer(weights), root: 0)
        if let optimizer, let state {
            _ = collective.broadcast(optimizer, root: 0)
            _ = collective.broadcast(state, root: 0)
        }
    }

    /// The other ranks' side, in two steps: the handshake's description, then (into a model
    /// built from its configuration, so the buffer has the weights' size) the weights and states.
    static func receive(over collective: Collective) throws -> (RankHandshake, (UnsafeMutableBufferPointer<Float>) -> RankHandshake) {
        let bytes = collective.broadcast([], root: 0)
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes)) }
        catch { throw ApplicationError("rank \(collective.rank): cannot read what rank 0 sent (\(error)): are all ranks the same nmt build?") }
        let handshake = RankHandshake(header)
        return (handshake, { weights in
            collective.broadcast(UnsafeMutableRawBufferPointer(weights), root: 0)
            var complete = handshake
            if header.resumed {
                complete.optimizer = collective.broadcast([], root: 0)
                complete.state = collective.broadcast([], root: 0)
            }
            return complete
        })
    }
}

extension Collective {
    /// `work` over every N-th item on each rank (rank r takes items r, r+N, …), the results
    /// put back in order on every rank. One process: `work(items)`.
    func shareOut(_ items: [String], _ work: ([String]) throws -> [String]) throws -> [String] {
        guard isDistributed else { return try work(items) }
        let mine = try work(stride(from: rank, to: items.count, by: size).map { items[$0] })
        let parts = try allGather(Array(JSONEncoder().encode(mine))).map { try JSONDecoder().decode([String].self, from: Data($0)) }
        return (0..<items.count).map { parts[$0 % size][$0 / size] }
    }

    /// "; 2 ranks (Open MPI v4.1.4), update-freq 1 each: 2 batches per update", or nothing for one process.
    func jobDescription(_ settings: TrainerSettings) -> String {
        guard isDistributed else { return "" }
        return "; \(description), update-freq \(settings.updateFreq) on each: \(settings.batchesPerUpdate) batches per update"
    }
}
