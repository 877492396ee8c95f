// A small self-contained SVG line plot (axes with labels and ticks, a legend, optional log
// scales), for reports that must open anywhere without scripts or network.
//
// Figures a paper could use: ticks at round values (1, 2 or 5 × 10^k on a linear axis, powers
// of ten on a log one) written in one format per axis, an axis of non-negative data never
// below zero, ranges that small multiples can share (`xRange`, `yRange`), a legend as wide as
// its longest name, and series told apart by dash pattern as well as colour.
import Foundation

public struct SVGPlot {
    public enum Marker: Sendable { case none, dot, cross }

    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var dashed: Bool
        /// A shaded range drawn under the line (e.g. min–max over seeds, p1–p99).
        public var band: [(x: Double, low: Double, high: Double)]
        /// Dots at the points (for sparse series).
        public var markers: Bool
        /// Points drawn as marks only, no line (e.g. failures).
        public var marker: Marker
        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false,
                    band: [(x: Double, low: Double, high: Double)] = [], markers: Bool = false, marker: Marker = .none) {
            self.name = name
            self.points = points
            self.dashed = dashed
            self.band = band
            self.markers = markers
            self.marker = marker
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX = false
    public var logY = false
    public var width = 600.0
    public var height = 380.0
    /// False: no legend column (a plot with one self-explaining series, e.g. small multiples).
    public var legend = true
    /// Tick positions on x instead of the automatic ones (e.g. the learning rates of a sweep);
    /// the axis then spans them with a small margin, also on a log scale.
    public var xTicks: [Double]?
    /// Fixed data ranges (shared by the panels of a figure); nil: from the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// Horizontal reference lines (value, label), dashed grey.
    public var horizontalLines: [(y: Double, label: String)] = []

    public init(title: String, xLabel: String, yLabel: String, logX: Bool = false, logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logX = logX
        self.logY = logY
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
    /// Dash patterns, cycled with a period prime to the palette's, so two series never share
    /// both colour and pattern and overlapping lines stay apart.
    static let dashes = ["", "7 3", "2 2", "9 3 2 3"]

    /// The data range of some series on one axis (finite values, positive on a log axis), for
    /// plots that share it.
    public static func range(of series: [[Series]], log: Bool, yAxis: Bool) -> ClosedRange<Double>? {
        var values: [Double] = []
        for s in series.joined() {
            values += s.points.map { yAxis ? $0.y : $0.x }
            values += yAxis ? s.band.flatMap { [$0.low, $0.high] } : s.band.map(\.x)
        }
        let usable = values.filter { $0.isFinite && (!log || $0 > 0) }
        guard let lo = usable.min(), let hi = usable.max() else { return nil }
        return lo...hi
    }

    /// Round tick values covering [lo, hi] on a linear axis: steps of 1, 2 or 5 × 10^k, about
    /// `count` of them, and the number of decimals that writes every one of them exactly.
    static func niceTicks(_ low: Double, _ high: Double, count: Int = 5) -> (ticks: [Double], decimals: Int) {
        var (lo, hi) = (low, high)
        // A single value gets an axis around it.
        if !(hi - lo > max(abs(hi), abs(lo)) * 1e-12) { let half = max(abs(lo) * 0.05, 0.5); lo -= half; hi += half }
        let span = hi - lo
        let raw = span / Double(max(count, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        let ticks = stride(from: first, through: last, by: 1).map { $0 * step }
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        return (ticks, decimals)
    }

    /// "10⁻³": a power of ten with a superscript exponent.
    static func power(_ k: Int) -> String {
        let digits: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return "10" + String(String(k).map { digits[$0] ?? $0 })
    }

    /// One `<svg>` element (place it at `x`, `y` inside a larger document with `offset`).
    public func render(_ series: [Series], x offsetX: Double = 0, y offsetY: Double = 0) -> String {
        let longest = series.map(\.name.count).max() ?? 0
        let left = 84.0, right = legend ? min(width * 0.45, 52 + 7.2 * Double(longest)) : 16.0, top = 34.0, bottom = 52.0
        let pw = width - left - right, ph = height - top - bottom
        func tx(_ v: Double) -> Double { logX ? log10(v) : v }
        func ty(_ v: Double) -> Double { logY ? log10(v) : v }
        func ok(_ x: Double, _ y: Double) -> Bool { x.isFinite && y.isFinite && (!logX || x > 0) && (!logY || y > 0) }
        let usable = series.map { s in s.points.filter { p in ok(p.x, p.y) } }
        let bands = series.map { s in s.band.filter { b in ok(b.x, b.low) && ok(b.x, b.high) } }
        let lines = horizontalLines.filter { $0.y.isFinite && (!logY || $0.y > 0) }
        var xs = usable.flatMap { $0.map(\.x) } + bands.flatMap { $0.map(\.x) }
        var ys = usable.flatMap { $0.map(\.y) } + bands.flatMap { $0.flatMap { [$0.low, $0.high] } } + lines.map(\.y)
        if let r = xRange { xs += [r.lowerBound, r.upperBound] }
        if let r = yRange { ys += [r.lowerBound, r.upperBound] }
        if let ticks = xTicks { xs += ticks.filter { !logX || $0 > 0 } }
        let nonNegative = (ys.min() ?? 0) >= 0
        var (x0, x1) = (xs.map(tx).min() ?? 0, xs.map(tx).max() ?? 1), (y0, y1) = (ys.map(ty).min() ?? 0, ys.map(ty).max() ?? 1)
        if x1 <= x0 { x1 = x0 + 1 }
        if y1 <= y0 { y1 = y0 + (logY ? 1 : max(abs(y0) * 0.1, 1)) }
        // Ticks: decades on a log axis, round steps on a linear one; the axis ends on ticks.
        var yTicks: [Double], yDecimals = 0
        if logY {
            y0 = floor(y0); y1 = ceil(y1)
            if y1 <= y0 { y1 = y0 + 1 }
            let step = max(1, ((y1 - y0) / 6).rounded(.up))
            yTicks = Array(stride(from: y0, through: y1, by: step))
        } else {
            var (ticks, decimals) = Self.niceTicks(y0, y1)
            if nonNegative { ticks = ticks.filter { $0 >= 0 } }
            y0 = min(y0, ticks.first ?? y0); y1 = max(y1, ticks.last ?? y1)
            if nonNegative { y0 = max(0, y0) }
            yTicks = ticks; yDecimals = decimals
        }
        var xTickValues: [Double], xDecimals = 0
        if let given = xTicks?.filter({ !logX || $0 > 0 }), !given.isEmpty {
            let pad = max((x1 - x0) * 0.06, 1e-9)
            x0 -= pad; x1 += pad
            xTickValues = given.map(tx)
        } else if logX {
            x0 = floor(x0); x1 = ceil(x1)
            // One label per decade, fewer when they would collide (~55 px each).
            let step = max(1, ((x1 - x0) / max(1, (pw / 55).rounded(.down))).rounded(.up))
            xTickValues = Array(stride(from: x0, through: x1, by: step))
        } else {
            let (ticks, decimals) = Self.niceTicks(x0, x1, count: max(2, Int(pw / 90)))
            x0 = min(x0, ticks.first ?? x0); x1 = max(x1, ticks.last ?? x1)
            xTickValues = ticks; xDecimals = decimals
        }
        func px(_ v: Double) -> Double { left + (tx(v) - x0) / (x1 - x0) * pw }
        func py(_ v: Double) -> Double { top + (1 - (ty(v) - y0) / (y1 - y0)) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        // Given x ticks (a sweep's values) in one %g format with the digits they need.
        func givenLabel(_ v: Double) -> String { String(format: "%g", v) }
        func linear(_ v: Double, _ decimals: Int) -> String {
            let text = String(format: "%.\(decimals)f", v)
            return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
        }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" x=\"\(f(offsetX))\" y=\"\(f(offsetY))\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(f(left + pw / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>\n"
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#333\"/>\n"
        for t in xTickValues where t >= x0 - 1e-9 && t <= x1 + 1e-9 {
            let x = left + (t - x0) / (x1 - x0) * pw
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + ph))\" stroke=\"#ddd\"/>"
            let text = xTicks != nil ? givenLabel(logX ? pow(10, t) : t) : logX ? Self.power(Int(t.rounded())) : linear(t, xDecimals)
            out += "<text x=\"\(f(x))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">\(text)</text>\n"
        }
        for t in yTicks where t >= y0 - 1e-9 && t <= y1 + 1e-9 {
            let y = top + (1 - (t - y0) / (y1 - y0)) * ph
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + pw))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(logY ? Self.power(Int(t.rounded())) : linear(t, yDecimals))</text>\n"
        }
        out += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        for line in lines {
            let y = py(line.y)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + pw))\" y2=\"\(f(y))\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>"
            out += "<text x=\"\(f(left + 4))\" y=\"\(f(y - 4))\" fill=\"#555\" font-size=\"11\">\(escape(line.label))</text>\n"
        }
        for (i, band) in bands.enumerated() where band.count > 1 {
            let color = Self.palette[i % Self.palette.count]
            let upper = band.map { "\(f(px($0.x))),\(f(py($0.high)))" }, lower = band.reversed().map { "\(f(px($0.x))),\(f(py($0.low)))" }
            out += "<polygon fill=\"\(color)\" fill-opacity=\"0.16\" stroke=\"none\" points=\"\((upper + lower).joined(separator: " "))\"/>\n"
        }
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let dash = s.dashed ? "6 4" : Self.dashes[i % Self.dashes.count]
            let dashAttribute = dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\""
            switch s.marker {
            case .cross:
                for p in usable[i] {
                    let (x, y) = (px(p.x), py(p.y))
                    out += "<path d=\"M\(f(x - 5)) \(f(y - 5))L\(f(x + 5)) \(f(y + 5))M\(f(x - 5)) \(f(y + 5))L\(f(x + 5)) \(f(y - 5))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
                }
                out += "\n"
            case .dot, .none:
                if s.markers || s.marker == .dot {
                    for p in usable[i] { out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.8\" fill=\"\(color)\"/>" }
                    out += "\n"
                }
                let pts = usable[i].map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                if !pts.isEmpty && s.marker == .none {
                    out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"\(dashAttribute) points=\"\(pts)\"/>\n"
                }
            }
            guard legend else { continue }
            let ly = top + 10 + Double(i) * 18, lx = left + pw + 12
            if s.marker == .cross {
                out += "<path d=\"M\(f(lx + 7)) \(f(ly - 5))L\(f(lx + 17)) \(f(ly + 5))M\(f(lx + 7)) \(f(ly + 5))L\(f(lx + 17)) \(f(ly - 5))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            } else {
                out += "<line x1=\"\(f(lx))\" y1=\"\(f(ly))\" x2=\"\(f(lx + 24))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(dashAttribute)/>"
            }
            out += "<text x=\"\(f(lx + 28))\" y=\"\(f(ly + 4))\">\(escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Several plots side by side in one standalone SVG document.
    public static func document(_ parts: [(SVGPlot, [Series])]) -> String {
        let w = parts.map(\.0.width).reduce(0, +), h = parts.map(\.0.height).max() ?? 0
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\">\n"
        var x = 0.0
        for (plot, series) in parts { out += plot.render(series, x: x); x += plot.width }
        return out + "</svg>\n"
    }
}

/// A forest plot: one row per comparison, its estimate as a dot and its interval as a bar,
/// a solid line at zero and dashed lines at ± the equivalence margin.
public struct SVGForestPlot {
    public struct Row {
        public var label: String
        public var estimate: Double
        public var low: Double
        public var high: Double
        /// A short note right of the plot (e.g. the verdict).
        public var note: String
        public init(label: String, estimate: Double, low: Double, high: Double, note: String) {
            self.label = label; self.estimate = estimate; self.low = low; self.high = high; self.note = note
        }
    }

    public var title: String
    public var xLabel: String
    public var margin: Double?
    public var width = 1200.0

    public init(title: String, xLabel: String, margin: Double?) {
        self.title = title
        self.xLabel = xLabel
        self.margin = margin
    }

    public func render(_ rows: [Row]) -> String {
        let rowHeight = 20.0, top = 40.0, bottom = 50.0
        let labelWidth = min(width * 0.3, 24 + 7.2 * Double(rows.map(\.label.count).max() ?? 0))
        let noteWidth = min(width * 0.25, 24 + 7.2 * Double(rows.map(\.note.count).max() ?? 0))
        let left = labelWidth, right = noteWidth
        let height = top + bottom + rowHeight * Double(max(rows.count, 1))
        let pw = width - left - right
        let finite = rows.flatMap { [$0.low, $0.high, $0.estimate] }.filter(\.isFinite) + [0] + (margin.map { [-$0, $0] } ?? [])
        let (ticks, decimals) = SVGPlot.niceTicks(finite.min() ?? -1, finite.max() ?? 1, count: max(2, Int(pw / 100)))
        let x0 = ticks.first ?? -1, x1 = max(ticks.last ?? 1, x0 + 1e-12)
        func px(_ v: Double) -> Double { left + (v - x0) / (x1 - x0) * pw }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;") }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(f(left + pw / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(esc(title))</text>\n"
        let plotBottom = top + rowHeight * Double(max(rows.count, 1))
        for t in ticks {
            out += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(plotBottom))\" stroke=\"#e4e4e4\"/>"
            out += "<text x=\"\(f(px(t)))\" y=\"\(f(plotBottom + 16))\" text-anchor=\"middle\">\(String(format: "%.\(decimals)f", t))</text>\n"
        }
        out += "<line x1=\"\(f(px(0)))\" y1=\"\(f(top - 4))\" x2=\"\(f(px(0)))\" y2=\"\(f(plotBottom))\" stroke=\"#333\"/>\n"
        if let margin {
            for m in [-margin, margin] {
                out += "<line x1=\"\(f(px(m)))\" y1=\"\(f(top - 4))\" x2=\"\(f(px(m)))\" y2=\"\(f(plotBottom))\" stroke=\"#777\" stroke-dasharray=\"4 3\"/>"
            }
            out += "<text x=\"\(f(px(margin) + 3))\" y=\"\(f(top - 6))\" fill=\"#555\" font-size=\"11\">± margin \(String(format: "%g", margin))</text>\n"
        }
        for (i, row) in rows.enumerated() {
            let y = top + rowHeight * (Double(i) + 0.5)
            if i % 2 == 1 { out += "<rect x=\"0\" y=\"\(f(y - rowHeight / 2))\" width=\"\(f(width))\" height=\"\(f(rowHeight))\" fill=\"#000\" fill-opacity=\"0.03\"/>" }
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(esc(row.label))</text>"
            if row.low.isFinite && row.high.isFinite {
                out += "<line x1=\"\(f(px(row.low)))\" y1=\"\(f(y))\" x2=\"\(f(px(row.high)))\" y2=\"\(f(y))\" stroke=\"#1f77b4\" stroke-width=\"2\"/>"
            }
            if row.estimate.isFinite { out += "<circle cx=\"\(f(px(row.estimate)))\" cy=\"\(f(y))\" r=\"3.5\" fill=\"#1f77b4\"/>" }
            out += "<text x=\"\(f(left + pw + 8))\" y=\"\(f(y + 4))\">\(esc(row.note))</text>\n"
        }
        out += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        return out + "</svg>\n"
    }
}
