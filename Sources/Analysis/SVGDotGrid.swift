// One row per category, one column per x value (log scale), a mark in every cell: what a
// sweep did, cell by cell (e.g. an arm at each learning rate: trained, failed, diverged).
import Foundation

public struct SVGDotGrid {
    public enum Mark: Sendable { case filled, open, cross, none }

    public struct Row {
        public var label: String
        /// The mark at each column (same count as `columns`), and a note shown in the cell.
        public var marks: [Mark]
        public var notes: [String]
        /// A bracket drawn between two column positions (e.g. where the stable rate's limit lies).
        public var bracket: (from: Double, to: Double)?
        public init(label: String, marks: [Mark], notes: [String], bracket: (from: Double, to: Double)? = nil) {
            self.label = label; self.marks = marks; self.notes = notes; self.bracket = bracket
        }
    }

    public var title: String
    public var xLabel: String
    public var columns: [Double]
    public var legend: [(Mark, String)]
    public var width = 1200.0

    public init(title: String, xLabel: String, columns: [Double], legend: [(Mark, String)]) {
        self.title = title; self.xLabel = xLabel; self.columns = columns; self.legend = legend
    }

    public func render(_ rows: [Row]) -> String {
        let rowHeight = 26.0, top = 44.0, bottom = 70.0
        let left = min(width * 0.3, 24 + 7.2 * Double(rows.map(\.label.count).max() ?? 0)), right = 30.0
        let height = top + bottom + rowHeight * Double(max(rows.count, 1))
        let pw = width - left - right
        let logs = columns.filter { $0 > 0 }.map(log10)
        let (x0, x1) = ((logs.min() ?? 0) - 0.25, (logs.max() ?? 1) + 0.25)
        func px(_ v: Double) -> Double { left + (log10(v) - x0) / max(x1 - x0, 1e-9) * pw }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;") }
        func mark(_ m: Mark, _ x: Double, _ y: Double) -> String {
            switch m {
            case .filled: return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"6\" fill=\"#2ca02c\"/>"
            case .open: return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"6\" fill=\"white\" stroke=\"#ff7f0e\" stroke-width=\"2\"/>"
            case .cross: return "<path d=\"M\(f(x - 6)) \(f(y - 6))L\(f(x + 6)) \(f(y + 6))M\(f(x - 6)) \(f(y + 6))L\(f(x + 6)) \(f(y - 6))\" stroke=\"#d62728\" stroke-width=\"2.5\"/>"
            case .none: return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"2\" fill=\"#bbb\"/>"
            }
        }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(f(left + pw / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(esc(title))</text>\n"
        let plotBottom = top + rowHeight * Double(max(rows.count, 1))
        for c in columns where c > 0 {
            out += "<line x1=\"\(f(px(c)))\" y1=\"\(f(top))\" x2=\"\(f(px(c)))\" y2=\"\(f(plotBottom))\" stroke=\"#e4e4e4\"/>"
            out += "<text x=\"\(f(px(c)))\" y=\"\(f(plotBottom + 16))\" text-anchor=\"middle\">\(String(format: "%g", c))</text>\n"
        }
        for (i, row) in rows.enumerated() {
            let y = top + rowHeight * (Double(i) + 0.5)
            out += "<text x=\"\(f(left - 10))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(esc(row.label))</text>"
            if let b = row.bracket, b.from > 0, b.to > 0 {
                out += "<rect x=\"\(f(px(b.from)))\" y=\"\(f(y - 9))\" width=\"\(f(max(2, px(b.to) - px(b.from))))\" height=\"18\" fill=\"#1f77b4\" fill-opacity=\"0.12\"/>"
            }
            for (c, m) in zip(columns, row.marks) where c > 0 { out += mark(m, px(c), y) }
            for (c, note) in zip(columns, row.notes) where c > 0 && !note.isEmpty {
                out += "<text x=\"\(f(px(c) + 9))\" y=\"\(f(y - 6))\" font-size=\"10\" fill=\"#555\">\(esc(note))</text>"
            }
            out += "\n"
        }
        out += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(plotBottom + 36))\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        var lx = left
        for (m, text) in legend {
            out += mark(m, lx + 6, height - 14) + "<text x=\"\(f(lx + 16))\" y=\"\(f(height - 10))\">\(esc(text))</text>"
            lx += 30 + 7 * Double(text.count)
        }
        return out + "\n</svg>\n"
    }
}
