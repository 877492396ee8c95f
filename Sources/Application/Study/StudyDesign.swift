/// How a study's results are judged, fixed by `nmt study plan` before the first run and
/// printed by `show` and `report`: the unit of evidence is the training run (a seed), each arm
/// is compared with the baseline at each learning rate by the paired-by-seed difference of
/// the primary endpoint, and the family of those comparisons is Holm-adjusted.
public struct StudyDesign: Codable, Equatable, Sendable {
    /// The primary endpoint: the validation loss (nats/token, label smoothing off) at the last
    /// update of the run. Lower is better.
    public var primaryEndpoint = "final validation loss"
    public var secondaryEndpoints = ["test BLEU and chrF of the averaged checkpoint (beam search)",
                                     "updates to the loss threshold", "largest stable learning rate per arm"]
    /// Family-wise error rate of the comparisons (Holm) and the TOST level of equivalence claims.
    public var alpha = 0.05
    /// The confidence of the seed-level intervals.
    public var confidence = 0.95
    /// "≈" on the primary endpoint means the difference lies within ± this many nats/token
    /// (shown by TOST at `alpha`).
    public var lossMargin = 0.05
    /// "≈" on test BLEU means within ± this many BLEU points.
    public var bleuMargin = 0.5
    /// BLEU differences get a verdict only when both arms' mean BLEU is at least this; below it
    /// the loss decides (BLEU near zero measures little).
    public var bleuFloor = 5.0
    public var comparisons = "every arm against the baseline at every learning rate, paired by seed (runs of both arms that finished)"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case primaryEndpoint, secondaryEndpoints, alpha, confidence, lossMargin, bleuMargin, bleuFloor, comparisons
    }

    /// Every key is optional on reading, so a design stored by an earlier version still reads.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = StudyDesign()
        primaryEndpoint = try c.decodeIfPresent(String.self, forKey: .primaryEndpoint) ?? d.primaryEndpoint
        secondaryEndpoints = try c.decodeIfPresent([String].self, forKey: .secondaryEndpoints) ?? d.secondaryEndpoints
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha) ?? d.alpha
        confidence = try c.decodeIfPresent(Double.self, forKey: .confidence) ?? d.confidence
        lossMargin = try c.decodeIfPresent(Double.self, forKey: .lossMargin) ?? d.lossMargin
        bleuMargin = try c.decodeIfPresent(Double.self, forKey: .bleuMargin) ?? d.bleuMargin
        bleuFloor = try c.decodeIfPresent(Double.self, forKey: .bleuFloor) ?? d.bleuFloor
        comparisons = try c.decodeIfPresent(String.self, forKey: .comparisons) ?? d.comparisons
    }

    public func validate() throws {
        if !(alpha > 0 && alpha < 0.5) { throw ApplicationError("--alpha must be in (0, 0.5), got \(alpha)") }
        if !(confidence > 0.5 && confidence < 1) { throw ApplicationError("the confidence level must be in (0.5, 1), got \(confidence)") }
        if !(lossMargin > 0) || !lossMargin.isFinite { throw ApplicationError("--loss-margin must be positive, got \(lossMargin)") }
        if !(bleuMargin > 0) || !bleuMargin.isFinite { throw ApplicationError("--bleu-margin must be positive, got \(bleuMargin)") }
        if !(bleuFloor >= 0) || !bleuFloor.isFinite { throw ApplicationError("--bleu-floor must be non-negative, got \(bleuFloor)") }
    }

    /// The design as `show` and the report print it, one line each.
    public var lines: [String] {
        ["primary endpoint: \(primaryEndpoint) (lower is better)",
         "secondary endpoints: \(secondaryEndpoints.joined(separator: "; "))",
         "comparisons: \(comparisons); \(Int((confidence * 100).rounded()))% t intervals over seeds, paired t-test p-values Holm-adjusted over the family at α = \(alpha)",
         "equivalence (≈): TOST at α = \(alpha) within ± \(lossMargin) nats (loss), ± \(bleuMargin) BLEU; BLEU verdicts only when both arms reach \(bleuFloor) BLEU"]
    }
}
