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

    /// ‖a − b‖ / ‖b‖ in Double (0 when both are zero, ∞ when the lengths differ).
    public static func relativeNormError<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> Double {
        guard a.count == b.count else { return .infinity }
        var difference = 0.0, reference = 0.0
        for (x, y) in zip(a, b) {
            let d = Double(x) - Double(y)
            difference += d * d
            reference += Double(y) * Double(y)
        }
        if reference == 0 { return difference == 0 ? 0 : .infinity }
        return (difference / reference).squareRoot()
    }
}
