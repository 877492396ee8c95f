// numpy's default generator as sacreBLEU's statistics use it: `np.random.default_rng(seed)`
// (SeedSequence → PCG64), `choice(n, size, replace=True)` and `integers(2, size, dtype=bool)`,
// reproduced from numpy's algorithms (bit_generator.pyx, pcg64.h, distributions.c), so that
// nmt's bootstrap and randomization draws are the very draws sacreBLEU makes for the same seed.

/// numpy's `SeedSequence` for an integer seed (no spawn key): the 4-word entropy pool and
/// `generate_state`.
struct NumpySeedSequence {
    private(set) var pool: [UInt32] = [0, 0, 0, 0]

    static let initA: UInt32 = 0x43b0_d7e5, multA: UInt32 = 0x931e_8875
    static let initB: UInt32 = 0x8b51_f9dd, multB: UInt32 = 0x58f3_8ded
    static let mixMultL: UInt32 = 0xca01_f9dd, mixMultR: UInt32 = 0x4973_f715
    static let xshift: UInt32 = 16

    init(seed: UInt64) {
        // `_coerce_to_uint32_array`: the integer's 32-bit words, least significant first.
        var entropy: [UInt32] = []
        var v = seed
        repeat { entropy.append(UInt32(truncatingIfNeeded: v)); v >>= 32 } while v > 0
        var hashConst = Self.initA
        func hashmix(_ value: UInt32) -> UInt32 {
            var value = value ^ hashConst
            hashConst = hashConst &* Self.multA
            value = value &* hashConst
            return value ^ (value >> Self.xshift)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let result = Self.mixMultL &* x &- Self.mixMultR &* y
            return result ^ (result >> Self.xshift)
        }
        for i in 0..<pool.count { pool[i] = hashmix(i < entropy.count ? entropy[i] : 0) }
        for source in 0..<pool.count {
            for destination in 0..<pool.count where source != destination {
                pool[destination] = mix(pool[destination], hashmix(pool[source]))
            }
        }
        for source in pool.count..<max(pool.count, entropy.count) {
            for destination in 0..<pool.count { pool[destination] = mix(pool[destination], hashmix(entropy[source])) }
        }
    }

    /// `generate_state(n, np.uint32)`.
    func generateState32(_ n: Int) -> [UInt32] {
        var hashConst = Self.initB
        return (0..<n).map { i in
            var value = pool[i % pool.count] ^ hashConst
            hashConst = hashConst &* Self.multB
            value = value &* hashConst
            return value ^ (value >> Self.xshift)
        }
    }

    /// `generate_state(n, np.uint64)`: pairs of 32-bit words, the first the low half.
    func generateState64(_ n: Int) -> [UInt64] {
        let words = generateState32(2 * n)
        return (0..<n).map { UInt64(words[2 * $0]) | UInt64(words[2 * $0 + 1]) << 32 }
    }
}

/// numpy's PCG64 (PCG XSL-RR 128/64) with its 32-bit buffering, and the two bounded draws
/// sacreBLEU's statistics make.
public struct NumpyRandom {
    static let multiplier: UInt128 = (0x2360_ed05_1fc6_5da4 as UInt128) << 64 | 0x4385_df64_9fcc_f645
    private(set) var state: UInt128 = 0
    private(set) var increment: UInt128 = 0
    private var bufferedHalf: UInt32?

    /// `np.random.default_rng(seed)`.
    public init(seed: UInt64) {
        let words = NumpySeedSequence(seed: seed).generateState64(4)
        let initialState = UInt128(words[0]) << 64 | UInt128(words[1])
        let sequence = UInt128(words[2]) << 64 | UInt128(words[3])
        // pcg_setseq_128_srandom_r
        increment = sequence << 1 | 1
        step()
        state &+= initialState
        step()
    }

    private mutating func step() { state = state &* Self.multiplier &+ increment }

    /// `random_raw()`: one 64-bit output (the state advances first).
    public mutating func next64() -> UInt64 {
        step()
        let rotation = UInt64(truncatingIfNeeded: state >> 122)
        let folded = UInt64(truncatingIfNeeded: state >> 64) ^ UInt64(truncatingIfNeeded: state)
        return folded >> rotation | folded << ((64 &- rotation) & 63)
    }

    /// numpy's `next_uint32`: the low half of a 64-bit output, then its high half.
    mutating func next32() -> UInt32 {
        if let half = bufferedHalf { bufferedHalf = nil; return half }
        let value = next64()
        bufferedHalf = UInt32(truncatingIfNeeded: value >> 32)
        return UInt32(truncatingIfNeeded: value)
    }

    /// `choice(n, size: count, replace: true)` for n ≤ 2³²: Lemire's bounded draw on 32-bit
    /// outputs (`buffered_bounded_lemire_uint32`); n = 1 draws nothing.
    public mutating func choice(_ n: Int, count: Int) -> [Int] {
        precondition(n >= 1 && UInt64(n) <= UInt64(UInt32.max) + 1)
        if n == 1 { return [Int](repeating: 0, count: count) }
        let range = UInt64(n - 1)
        if range == UInt64(UInt32.max) { return (0..<count).map { _ in Int(next32()) } }
        let excluded = UInt64(n)
        return (0..<count).map { _ in
            var m = UInt64(next32()) &* excluded
            var leftover = m & 0xFFFF_FFFF
            if leftover < excluded {
                let threshold = (UInt64(UInt32.max) - range) % excluded
                while leftover < threshold {
                    m = UInt64(next32()) &* excluded
                    leftover = m & 0xFFFF_FFFF
                }
            }
            return Int(m >> 32)
        }
    }

    /// `integers(2, size: count, dtype: bool)`: one bit at a time from 32-bit outputs, lowest first
    /// (`buffered_bounded_bool`; the bit buffer lives for one call, the 32-bit half across calls).
    public mutating func bools(count: Int) -> [Bool] {
        var buffer: UInt32 = 0, bitsLeft = 0
        return (0..<count).map { _ in
            if bitsLeft == 0 {
                buffer = next32()
                bitsLeft = 31
            } else {
                buffer >>= 1
                bitsLeft -= 1
            }
            return buffer & 1 != 0
        }
    }
}
