/// Parses `--max-time` values: "90s", "45m", "2h", "1h30m", "1d", or plain seconds ("600").
public enum DurationParser {
    public static func seconds(_ text: String) -> Double? {
        let s = text.trimmingCharacters(in: " ")
        guard !s.isEmpty else { return nil }
        if let plain = Double(s) { return plain >= 0 ? plain : nil }
        var total = 0.0
        var number = ""
        for ch in s {
            if ch.isNumber || ch == "." { number.append(ch); continue }
            guard let value = Double(number) else { return nil }
            switch ch {
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86400
            default: return nil
            }
            number = ""
        }
        return number.isEmpty ? total : nil
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var sub = Substring(self)
        while sub.first == set { sub = sub.dropFirst() }
        while sub.last == set { sub = sub.dropLast() }
        return String(sub)
    }
}
