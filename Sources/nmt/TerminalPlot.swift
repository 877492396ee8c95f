import Application
/// Line plots drawn with characters, for `nmt compare`: several series over a shared x axis
/// (updates), each with its own mark, y range from the data (optionally clipped so one
/// diverging run does not flatten the others), axis labels at the corners.
struct TerminalPlot {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    var width = 72
    var height = 18
    var marks: [Character] = ["*", "o", "+", "x", "#", "@"]

    func render(_ series: [Series], yLabel: String, yMax: Double? = nil) -> [String] {
        let all = series.flatMap { $0.points }.filter { $0.y.isFinite }
        guard !all.isEmpty else { return ["(no data to plot)"] }
        let xMin = all.map(\.x).min()!, xMax = all.map(\.x).max()!
        let yLow = all.map(\.y).min()!
        var yHigh = all.map(\.y).max()!
        if let yMax { yHigh = min(yHigh, yMax) }
        if yHigh <= yLow { yHigh = yLow + 1 }
        let xSpan = max(xMax - xMin, 1)
        var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
        for (k, s) in series.enumerated() {
            let mark = marks[k % marks.count]
            for p in s.points where p.y.isFinite {
                let col = Int(((p.x - xMin) / xSpan * Double(width - 1)).rounded())
                let clipped = min(p.y, yHigh)
                let row = height - 1 - Int(((clipped - yLow) / (yHigh - yLow) * Double(height - 1)).rounded())
                grid[row][col] = grid[row][col] == " " || grid[row][col] == mark ? mark : "&"
            }
        }
        let top = format(yHigh), bottom = format(yLow)
        let labelWidth = max(top.count, bottom.count)
        var lines: [String] = ["\(yLabel)"]
        for (r, row) in grid.enumerated() {
            let label = r == 0 ? top : r == height - 1 ? bottom : ""
            lines.append(String(repeating: " ", count: labelWidth - label.count) + label + " |" + String(row))
        }
        lines.append(String(repeating: " ", count: labelWidth) + " +" + String(repeating: "-", count: width))
        let left = format(xMin), right = format(xMax)
        lines.append(String(repeating: " ", count: labelWidth + 2) + left
                     + String(repeating: " ", count: max(1, width - left.count - right.count)) + right)
        lines.append("  " + series.enumerated().map { "\(marks[$0.offset % marks.count]) \($0.element.name)" }.joined(separator: "   ")
                     + (series.count > 1 ? "   & overlap" : ""))
        return lines
    }

    private func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return String(format2: v)
    }
}
