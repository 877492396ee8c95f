/// A cheap 64-bit digest of Float buffers (FNV-1a over the bit patterns), for checking that
/// the ranks of a data-parallel job hold the same bits. Not cryptographic: it detects drift
/// between replicas, not tampering.
struct ReplicaDigest {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ buffer: UnsafeBufferPointer<Float>) {
        var h = value
        for x in buffer { h = (h ^ UInt64(x.bitPattern)) &* 0x0000_0100_0000_01b3 }
        value = h
    }
}
