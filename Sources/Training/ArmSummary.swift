import Optim

/// What distinguishes one run of a warmup-vs-RAdam comparison from another, in the words of
/// the paper's arms: ε, the warmup (steps, untuned, none), Adam-2k's freeze, RAdam's
/// degenerate steps, and the norm placement. Used by `nmt compare` and `nmt show`.
public struct ArmSummary: Equatable, Sendable {
    public var optimizer: String
    public var eps: String
    public var warmup: String
    public var variant: String

    public init(_ c: RunConfiguration) {
        let o = c.optimizer, s = c.schedule
        optimizer = o.kind.rawValue
        eps = Self.short(o.eps)
        if let length = s.untunedWarmupLength {
            warmup = "untuned \(Int(length.rounded())) \(s.warmupShape.rawValue)"
        } else if s.kind != .constant && s.warmup > 0 {
            warmup = String(s.warmup)
        } else {
            warmup = "none"
        }
        var parts: [String] = []
        if o.kind == .adam && o.adamFreeze > 0 { parts.append("freeze \(o.adamFreeze)\(o.adamFreezeRescaleLR ? " rescaled" : "")") }
        if o.kind == .radam { parts.append("degenerate \(o.radamDegenerate.rawValue)") }
        parts.append(c.model.normalizeBefore ? "pre-LN" : "post-LN")
        variant = parts.joined(separator: ", ")
    }

    static func short(_ x: Double) -> String {
        let s = String(format: "%.0e", x)
        return Double(s) == x ? s.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e") : String(x)
    }
}
