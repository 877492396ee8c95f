/// sacreBLEU-style reproducibility signatures. `version` names the sacreBLEU release whose behaviour
/// (and whose fixtures) this implementation matches.
public enum Signature {
    public static let sacreBLEUVersion = "2.6.0"

    /// e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`
    public static func bleu(references: Int, options: BLEUOptions) -> String {
        "nrefs:\(references)|case:\(options.lowercase ? "lc" : "mixed")|eff:no|tok:\(options.tokenizer.rawValue)|smooth:exp|version:\(sacreBLEUVersion)"
    }

    /// e.g. `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0`
    public static func chrF(references: Int, options: CHRFOptions = CHRFOptions()) -> String {
        "nrefs:\(references)|case:\(options.lowercase ? "lc" : "mixed")|eff:yes|nc:\(options.charOrder)|nw:\(options.wordOrder)"
            + "|space:\(options.whitespace ? "yes" : "no")|version:\(sacreBLEUVersion)"
    }
}
