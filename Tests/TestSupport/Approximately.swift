/// Approximate equality for floating-point results, with the measured error in the message so
/// a failing test says by how much.
public enum Approximately {
    /// |a − b| ≤ absolute + relative·max(|a|, |b|).
    public static func equal<T: BinaryFloatingPoint>(_ a: T, _ b: T, relative: T = 0, absolute: T = 0) -> Bool {
        abs(a - b) <= absolute + relative * max(abs(a), abs(b))
    }

    /// The largest |a[i] − b[i]| (∞ when the lengths differ).
    public static func maxAbsoluteDifference<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> T {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// ‖a − b‖/‖b‖ and max|a − b|/max|b|, in Double: errors measured against the tensor as a
    /// whole, which do not depend on how much one entry's sum cancels (when b is all zeros,
    /// the absolute norms instead).
    public static func normwiseErrors<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> (normwise: Double, scaledMax: Double) {
        precondition(a.count == b.count, "comparing \(a.count) values with \(b.count)")
        var d2 = 0.0, b2 = 0.0, dMax = 0.0, bMax = 0.0
        for i in 0..<a.count {
            let d = Double(a[i]) - Double(b[i])
            d2 += d * d
            b2 += Double(b[i]) * Double(b[i])
            dMax = max(dMax, abs(d))
            bMax = max(bMax, abs(Double(b[i])))
        }
        return (b2 > 0 ? (d2 / b2).squareRoot() : d2.squareRoot(), bMax > 0 ? dMax / bMax : dMax)
    }
}
