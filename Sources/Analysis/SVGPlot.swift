// A small self-contained SVG line plot (axes with labels and ticks, a legend, optional log
// scales), for reports that must open anywhere without scripts or network.
import Foundation

public struct SVGPlot {
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var dashed: Bool
        /// A shaded range drawn under the line (e.g. min–max over seeds, p1–p99).
        public var band: [(x: Double, low: Double, high: Double)]
        /// Dots at the points (for sparse series).
        public var markers: Bool
        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false,
                    band: [(x: Double, low: Double, high: Double)] = [], markers: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
            self.band = band
            self.markers = markers
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

    public init(title: String, xLabel: String, yLabel: String, logX: Bool = false, logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logX = logX
        self.logY = logY
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    /// One `<svg>` element (place it at `x`, `y` inside a larger document with `offset`).
    public func render(_ series: [Series], x offsetX: Double = 0, y offsetY: Double = 0) -> String {
        let left = 78.0, right = legend ? 170.0 : 14.0, top = 34.0, bottom = 52.0
        let pw = width - left - right, ph = height - top - bottom
        func tx(_ v: Double) -> Double { logX ? log10(v) : v }
        func ty(_ v: Double) -> Double { logY ? log10(v) : v }
        func ok(_ x: Double, _ y: Double) -> Bool { x.isFinite && y.isFinite && (!logX || x > 0) && (!logY || y > 0) }
        let usable = series.map { s in s.points.filter { p in ok(p.x, p.y) } }
        let bands = series.map { s in s.band.filter { b in ok(b.x, b.low) && ok(b.x, b.high) } }
        let xs = usable.flatMap { $0.map { tx($0.x) } } + bands.flatMap { $0.map { tx($0.x) } }
        let ys = usable.flatMap { $0.map { ty($0.y) } } + bands.flatMap { $0.flatMap { [ty($0.low), ty($0.high)] } }
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1), (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if x1 <= x0 { x1 = x0 + 1 }
        if y1 <= y0 { y1 = y0 + 1 }
        if logY { y0 = floor(y0); y1 = ceil(y1) } else { let pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad }
        if let ticks = xTicks?.filter({ !logX || $0 > 0 }), let lo = ticks.min(), let hi = ticks.max() {
            let a = tx(lo), b = tx(hi), pad = max((b - a) * 0.06, 1e-9)
            x0 = min(x0, a) - pad; x1 = max(x1, b) + pad
        } else if logX { x0 = floor(x0); x1 = ceil(x1) }
        func px(_ v: Double) -> Double { left + (tx(v) - x0) / (x1 - x0) * pw }
        func py(_ v: Double) -> Double { top + (1 - (ty(v) - y0) / (y1 - y0)) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func label(_ v: Double, log: Bool) -> String {
            if log { return "1e\(Int(v.rounded()))" }
            return abs(v) >= 1e4 || (abs(v) < 1e-2 && v != 0) ? String(format: "%.0e", v) : String(format: "%g", (v * 1000).rounded() / 1000)
        }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" x=\"\(f(offsetX))\" y=\"\(f(offsetY))\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(f(left + pw / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>\n"
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#333\"/>\n"
        // On a log axis one label per decade, fewer when they would collide (~55 px each).
        let decadeStep = max(1, ((x1 - x0) / max(1, (pw / 55).rounded(.down))).rounded(.up))
        let automatic: [Double] = logX ? Array(stride(from: x0, through: x1, by: decadeStep))
            : (0...5).map { (k: Int) -> Double in x0 + (x1 - x0) * Double(k) / 5 }
        let xTicks = self.xTicks.map { $0.filter { !logX || $0 > 0 }.map(tx) } ?? automatic
        let yTicks = logY ? stride(from: y0, through: y1, by: max(1, ((y1 - y0) / 6).rounded(.up))).map { $0 } : (0...5).map { y0 + (y1 - y0) * Double($0) / 5 }
        for t in xTicks {
            let x = left + (t - x0) / (x1 - x0) * pw
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + ph))\" stroke=\"#ddd\"/>"
            let text = self.xTicks != nil ? label(logX ? pow(10, t) : t, log: false) : label(t, log: logX)
            out += "<text x=\"\(f(x))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">\(text)</text>\n"
        }
        for t in yTicks {
            let y = top + (1 - (t - y0) / (y1 - y0)) * ph
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + pw))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label(t, log: logY))</text>\n"
        }
        out += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        for (i, band) in bands.enumerated() where band.count > 1 {
            let color = Self.palette[i % Self.palette.count]
            let upper = band.map { "\(f(px($0.x))),\(f(py($0.high)))" }, lower = band.reversed().map { "\(f(px($0.x))),\(f(py($0.low)))" }
            out += "<polygon fill=\"\(color)\" fill-opacity=\"0.16\" stroke=\"none\" points=\"\((upper + lower).joined(separator: " "))\"/>\n"
        }
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            if s.markers {
                for p in usable[i] { out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.6\" fill=\"\(color)\"/>" }
                out += "\n"
            }
            let pts = usable[i].map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            if !pts.isEmpty {
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(pts)\"/>\n"
            }
            guard legend else { continue }
            let ly = top + 10 + Double(i) * 18
            out += "<line x1=\"\(f(left + pw + 12))\" y1=\"\(f(ly))\" x2=\"\(f(left + pw + 36))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>"
            out += "<text x=\"\(f(left + pw + 40))\" y=\"\(f(ly + 4))\">\(escape(s.name))</text>\n"
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
