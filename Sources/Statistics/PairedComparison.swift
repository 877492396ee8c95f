/// One arm against the baseline over the seeds both ran: the paired differences
/// d_s = arm_s − baseline_s, their mean with a Student t interval, the paired t-test of
/// "no difference", and TOST (two one-sided tests) of equivalence within ± margin. The seed
/// — a whole training run — is the unit of evidence; nothing here resamples sentences.
///
/// With every difference exactly equal the spread is zero and no test is defined: the
/// p-values are nil (scipy gives NaN or a meaningless 0 there).
public struct PairedComparison: Codable, Equatable, Sendable {
    public var n: Int
    public var mean: Double
    /// Sample standard deviation of the differences (n − 1 in the denominator).
    public var sd: Double
    public var standardError: Double
    public var confidence: Double
    public var intervalLow: Double
    public var intervalHigh: Double
    /// Two-sided paired t-test of mean difference 0.
    public var pValue: Double?
    /// max of the two one-sided p-values of TOST against ± margin.
    public var equivalenceMargin: Double
    public var equivalencePValue: Double?

    /// nil with fewer than two pairs (no spread to estimate).
    public init?(differences d: [Double], confidence: Double = 0.95, margin: Double) {
        guard d.count >= 2, d.allSatisfy(\.isFinite) else { return nil }
        n = d.count
        let m = d.reduce(0, +) / Double(n)
        mean = m
        sd = (d.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot()
        standardError = sd / Double(n).squareRoot()
        self.confidence = confidence
        equivalenceMargin = margin
        let t = StudentT(df: Double(n - 1))
        let half = t.quantile(0.5 + confidence / 2) * standardError
        intervalLow = m - half
        intervalHigh = m + half
        if standardError > 0 {
            pValue = min(1, 2 * t.survival(abs(m) / standardError))
            // H0: mean ≤ −margin (rejected when the mean is well above it), and H0: mean ≥ +margin.
            let lower = t.survival((m + margin) / standardError)
            let upper = t.cdf((m - margin) / standardError)
            equivalencePValue = max(lower, upper)
        }
    }

    /// The paired differences of two lists of per-seed values (same order, same seeds).
    public init?(_ arm: [Double], minus baseline: [Double], confidence: Double = 0.95, margin: Double) {
        guard arm.count == baseline.count else { return nil }
        self.init(differences: zip(arm, baseline).map { $0 - $1 }, confidence: confidence, margin: margin)
    }
}

/// Holm's step-down adjustment of a family of p-values (Holm 1979): the k-th smallest is
/// multiplied by (m − k + 1), made non-decreasing in that order, and capped at 1. Controls the
/// family-wise error rate without assuming independence. Returned in the input's order; nil
/// entries (tests that could not be made) are left out of the family and stay nil.
public enum Holm {
    public static func adjust(_ p: [Double?]) -> [Double?] {
        let present = p.indices.filter { p[$0] != nil }.sorted { (p[$0]!, $0) < (p[$1]!, $1) }
        let m = present.count
        var adjusted = [Double?](repeating: nil, count: p.count)
        var running = 0.0
        for (rank, index) in present.enumerated() {
            running = max(running, min(1, Double(m - rank) * p[index]!))
            adjusted[index] = running
        }
        return adjusted
    }
}
