#if canImport(Glibc)
import Glibc
#endif

/// Progress for long work, on stderr: a live line rewritten in place (with rate and ETA) when
/// stderr is a terminal, plain periodic log lines otherwise (CI logs, files), nothing with
/// `quiet`. Redraws are throttled so printing never costs measurable time.
public final class ProgressLine {
    public let label: String
    public let total: Int?
    public let unit: String
    public let quiet: Bool
    public let isTerminal: Bool
    private let start = ProgressLine.now()
    private var lastDraw: Double
    private var drawn = false
    private let interval: Double

    public init(_ label: String, total: Int?, unit: String, quiet: Bool = false, logInterval: Double = 30) {
        self.label = label
        self.total = total
        self.unit = unit
        self.quiet = quiet
        self.isTerminal = isatty(2) != 0
        self.interval = isTerminal ? 0.2 : logInterval
        // A terminal shows the line at once; a log gets its first line after one interval, so
        // short jobs leave no progress noise in logs.
        self.lastDraw = isTerminal ? 0 : start
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    public var elapsed: Double { ProgressLine.now() - start }

    /// Reports `done` units so far in this process (the rate's numerator); `shownDone`, if
    /// given, is the count displayed (e.g. updates including those before a resume).
    /// `fraction` (work done of the whole, at this process's start and now) gives the ETA and
    /// a percentage when there is no `total` to count towards (a time or epoch limit).
    /// `otherSeconds`: time still to come that the count does not measure (e.g. a study's test
    /// evaluations), added to the ETA.
    public func update(_ done: Int, detail: String = "", force: Bool = false, shownDone: Int? = nil,
                       fraction: (start: Double, now: Double)? = nil, otherSeconds: Double = 0) {
        guard !quiet else { return }
        let t = ProgressLine.now()
        guard force || t - lastDraw >= interval else { return }
        lastDraw = t
        drawn = true
        let text = self.text(done, elapsed: t - start, detail: detail, shownDone: shownDone, fraction: fraction, otherSeconds: otherSeconds)
        if isTerminal {
            fputs("\r\u{1B}[2K" + text, stderr)
        } else {
            fputs(text + "\n", stderr)
        }
        fflush(stderr)
    }

    /// The line `update` draws after `elapsed` seconds.
    func text(_ done: Int, elapsed: Double, detail: String = "", shownDone: Int? = nil, fraction: (start: Double, now: Double)? = nil,
              otherSeconds: Double = 0) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let shown = shownDone ?? done
        var text = "\(label) \(shown)"
        if let total { text += "/\(total)" }
        text += " \(unit)"
        if total == nil, let fraction { text += " (\(Int((fraction.now * 100).rounded(.down)))%)" }
        text += " | \(ProgressLine.format(rate: rate))/s"
        if let total, rate > 0, shown < total || otherSeconds > 0 {
            text += " | ETA \(ProgressLine.format(duration: Double(max(0, total - shown)) / rate + otherSeconds))"
        } else if total == nil, let fraction {
            if let eta = ProgressLine.remaining(fraction: fraction, elapsed: elapsed) { text += " | ETA \(ProgressLine.format(duration: eta))" }
        }
        if !detail.isEmpty { text += " | " + detail }
        return text
    }

    /// Seconds left at the pace of this process: the fraction still to do over the rate at
    /// which it has been done since the start (nil before there is a pace).
    static func remaining(fraction: (start: Double, now: Double), elapsed: Double) -> Double? {
        let gained = fraction.now - fraction.start
        guard gained > 0, elapsed > 0, fraction.now < 1 else { return nil }
        return (1 - fraction.now) * elapsed / gained
    }

    /// Erases the live line (on a terminal) so a message printed next starts at column 0;
    /// the next update draws it again.
    public func clear() {
        guard !quiet, isTerminal, drawn else { return }
        fputs("\r\u{1B}[2K", stderr)
        fflush(stderr)
        lastDraw = 0
    }

    /// Ends the live line so later output starts on a fresh line.
    public func finish(_ done: Int, detail: String = "", shownDone: Int? = nil) {
        guard !quiet, isTerminal || drawn else { return }
        update(done, detail: detail, force: true, shownDone: shownDone)
        if isTerminal { fputs("\n", stderr) }
    }

    public static func format(rate: Double) -> String {
        if rate >= 1e6 { return String(format1: rate / 1e6) + "M" }
        if rate >= 1e4 { return String(format1: rate / 1e3) + "k" }
        return String(format1: rate)
    }

    public static func format(duration seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(pad2((s % 3600) / 60))m" }
        if s >= 60 { return "\(s / 60)m\(pad2(s % 60))s" }
        return "\(s)s"
    }

    private static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
