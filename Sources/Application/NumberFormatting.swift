// Number formats of nmt's messages and tables, without Foundation's String(format:) (which
// is slow and locale-dependent on Linux).

extension String {
    /// Two decimal places: 3.14159 → "3.14".
    public init(format2 value: Double) {
        let scaled = Int((value * 100).rounded())
        let sign = scaled < 0 ? "-" : ""
        let a = abs(scaled)
        self = "\(sign)\(a / 100)." + (a % 100 < 10 ? "0" : "") + "\(a % 100)"
    }

    /// One decimal place: 2.25 → "2.3".
    public init(format1 value: Double) {
        let scaled = (value * 10).rounded()
        let whole = Int(scaled / 10)
        let tenth = abs(Int(scaled) % 10)
        self = "\(whole).\(tenth)"
    }
}

/// A positive number as mantissa with two decimals and exponent: 0.0005 → "5.00e-4".
public func scientific(_ v: Double) -> String {
    guard v > 0 else { return "0" }
    var exponent = 0
    var m = v
    while m < 1 { m *= 10; exponent -= 1 }
    while m >= 10 { m /= 10; exponent += 1 }
    return "\(String(format2: m))e\(exponent)"
}
