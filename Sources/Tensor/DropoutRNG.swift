import CDropout
// Counter-based dropout randomness: keep(i) = hash(seed, step, site, i) ≥ p.
//
// No state is carried between calls, so a training step is reproducible from
// (seed, step) alone and the backward pass recomputes the very same mask instead of
// storing it. `site` numbers each dropout location in the model (a layer's residual,
// its attention weights, …) so that locations get independent masks.
public struct DropoutMask {
    public let probability: Float
    public let key: UInt32
    public let threshold: UInt32   // keep when hash >> 8 ≥ threshold (24-bit uniform)
    public let scale: Float        // 1 / (1 - p)

    public init(probability: Float, seed: UInt64, step: UInt64, site: UInt64) {
        self.probability = probability
        var k = seed &* 0x9E37_79B9_7F4A_7C15
        k ^= (step &+ 0x632B_E59B_D9B4_E019) &* 0xBF58_476D_1CE4_E5B9
        k ^= (site &+ 0x8CB9_2BA7_2F3D_8DD7) &* 0x94D0_49BB_1331_11EB
        k ^= k >> 31
        k = k &* 0xD6E8_FEB8_6659_FD93
        k ^= k >> 32
        self.key = UInt32(truncatingIfNeeded: k)
        self.threshold = UInt32((Double(probability) * 16_777_216.0).rounded())
        self.scale = probability < 1 ? 1 / (1 - probability) : 0
    }

    public var isActive: Bool { probability > 0 }

    /// murmur3's 32-bit finalizer over (index, key).
    @inlinable @inline(__always)
    public func keeps(_ index: Int) -> Bool {
        var h = UInt32(truncatingIfNeeded: index) &* 0x9E37_79B1 ^ key
        h ^= h >> 16
        h = h &* 0x85EB_CA6B
        h ^= h >> 13
        h = h &* 0xC2B2_AE35
        h ^= h >> 16
        return (h >> 8) >= threshold
    }

    /// The mask as CDropout's kernels take it (the same hash, run 8 or 16 lanes wide).
    var kernelMask: nmt_dropout_mask { nmt_dropout_mask(key: key, threshold: threshold, scale: scale) }

    /// Which CDropout implementation this CPU runs: "avx512", "avx2" or "baseline".
    public static var kernelName: String { String(cString: nmt_dropout_isa()) }

    /// The multiplier for element `index`: 0 or 1/(1-p).
    @inlinable @inline(__always)
    public func factor(_ index: Int) -> Float { keeps(index) ? scale : 0 }
}

/// Where the rows of a packed tensor (padding removed) sit in the padded layout whose element
/// indices a `DropoutMask` hashes: packed row r is padded row index[r], each `columns` wide.
/// A kernel given one drops packed element (r, c) by factor(index[r]·columns + c), exactly as
/// the padded tensor's element would have been.
public struct PaddedRows {
    public let index: UnsafePointer<Int32>
    public let columns: Int
    public init(index: UnsafePointer<Int32>, columns: Int) {
        self.index = index
        self.columns = columns
    }
}
