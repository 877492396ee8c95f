#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast generator whose whole state is one
/// UInt64, so it is trivially saved in a checkpoint. Model initialization, data shuffling and the
/// analysis simulations all use it.
public struct SplitMix64: RandomNumberGenerator, Codable, Equatable, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

extension SplitMix64 {
    /// A generator for a derived stream (e.g. epoch e of seed s), independent of call history.
    public static func stream(seed: UInt64, _ index: UInt64) -> SplitMix64 {
        var base = SplitMix64(seed: seed ^ (index &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: base.next())
    }
}

extension Array {
    /// Fisher–Yates with an explicit generator, so the order depends only on the generator
    /// (Swift's `shuffle(using:)` makes no promise to stay the same across releases).
    public mutating func deterministicShuffle(using rng: inout SplitMix64) {
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            if i != j { swapAt(i, j) }
        }
    }
}
