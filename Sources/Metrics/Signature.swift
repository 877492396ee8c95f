/// sacreBLEU-style reproducibility signatures. `version` names the sacreBLEU release whose behaviour
/// (and whose fixtures) this implementation matches.
public enum Signature {
    public static let sacreBLEUVersion = "2.6.0"

    /// e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`
    public static func bleu(references: Int, options: BLEUOptions) -> String {
        "nrefs:\(references)|case:\(options.lowercase ? "lc" : "mixed")|eff:\(options.effectiveOrder ? "yes" : "no")|tok:\(options.tokenizer.rawValue)"
            + "|smooth:\(options.smoothing.signature)|version:\(sacreBLEUVersion)"
    }

    /// e.g. `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0`
    public static func chrF(references: Int, options: CHRFOptions = CHRFOptions()) -> String {
        "nrefs:\(references)|case:\(options.lowercase ? "lc" : "mixed")|eff:yes|nc:\(options.charOrder)|nw:\(options.wordOrder)"
            + "|space:\(options.whitespace ? "yes" : "no")|version:\(sacreBLEUVersion)"
    }

    /// A signature with sacreBLEU's resampling fields after `nrefs`: `bs:N`, `ar:N`, `seed:S`.
    public static func withResampling(_ signature: String, bootstrap: Int?, randomization: Int?, seed: UInt64) -> String {
        var fields = signature.split(separator: "|").map(String.init)
        var extra: [String] = []
        if let bootstrap { extra.append("bs:\(bootstrap)") }
        if let randomization { extra.append("ar:\(randomization)") }
        extra.append("seed:\(seed)")
        fields.insert(contentsOf: extra, at: min(1, fields.count))
        return fields.joined(separator: "|")
    }
}
