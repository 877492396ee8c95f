/// Sums over target tokens of a batch's loss (fairseq's sample_size = the number of non-pad
/// target tokens): what the cross-entropy kernel returns, the model's training step and
/// evaluation return, and the trainer accumulates over batches. Sums, not means, so batches
/// of any size add up exactly.
public struct LossSums: Sendable, Equatable {
    /// Σ of the label-smoothed loss.
    public var loss: Double
    /// Σ of −log p(target).
    public var nll: Double
    /// Non-pad target tokens.
    public var tokens: Int

    public init(loss: Double = 0, nll: Double = 0, tokens: Int = 0) {
        self.loss = loss
        self.nll = nll
        self.tokens = tokens
    }

    public static func += (a: inout LossSums, b: LossSums) {
        a.loss += b.loss
        a.nll += b.nll
        a.tokens += b.tokens
    }

    public var isFinite: Bool { loss.isFinite && nll.isFinite }
}
