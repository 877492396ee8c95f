// The look-up tables encoders need, shared by a model and its encoders (kept apart from the
// model so the model can pool encoders without a reference cycle).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class SegmentationTables: @unchecked Sendable {
    let characterIds: [UInt32: Int32]
    /// Merge rank by pair key (lower applies first).
    let mergeRank: [UInt64: Int32]
    let merges: [BPEModel.Merge]
    let boundaryId: Int32

    init(vocabulary: [String], characterCount: Int, merges: [BPEModel.Merge], normalization: NormalizationForm) {
        var characterIds: [UInt32: Int32] = [:]
        for id in 4..<(4 + characterCount) {
            characterIds[vocabulary[id].unicodeScalars.first!.value] = Int32(id)
        }
        self.characterIds = characterIds
        var rank: [UInt64: Int32] = [:]
        for (i, m) in merges.enumerated() { rank[BPEModel.pairKey(m.left, m.right)] = Int32(i) }
        mergeRank = rank
        self.merges = merges
        boundaryId = characterIds[0x2581] ?? BPEModel.unkId
    }
}

/// A mutex-protected stack of idle encoders.
final class EncoderPool: @unchecked Sendable {
    // Heap-allocated: a pthread mutex must not move, and `&property` gives no stable address.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var idle: [BPEEncoder] = []

    init() { pthread_mutex_init(mutex, nil) }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func take() -> BPEEncoder? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return idle.popLast()
    }

    func give(_ encoder: BPEEncoder) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        idle.append(encoder)
    }
}
