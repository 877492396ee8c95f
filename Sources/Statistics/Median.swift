/// The median: the middle value, or the mean of the two middle values of an even count; NaN
/// for no values.
public enum Median {
    public static func of(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted(), m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }
}
