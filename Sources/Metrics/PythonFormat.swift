import Foundation

/// The few Python formatting rules sacreBLEU's output depends on.
public enum PythonFormat {
    /// `f"{v:.{d}f}"`: correctly rounded from the binary value, as C's printf.
    static func fixed(_ v: Double, decimals: Int) -> String { String(format: "%.\(decimals)f", v) }

    /// `repr(float)`: the shortest digits that read back to the same value, with ".0" on a whole
    /// number. Swift's description is the same shortest form, and switches to exponent notation
    /// at the same small magnitudes (below 1e-4: "8.7e-07"); above 1e16 the two differ, which
    /// no score reaches.
    static func floatRepr(_ v: Double) -> String { v.description }

    /// `json.dumps(s, ensure_ascii=False)`: quotes, backslashes and control characters escaped,
    /// everything else as it is.
    public static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
