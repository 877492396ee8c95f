import Testing
@testable import nmt

struct TerminalPlotTests {
    @Test func plotsSeriesAtTheRightCorners() {
        let falling = TerminalPlot.Series(name: "adam", points: (0...10).map { (Double($0 * 100), 10 - Double($0)) })
        let flat = TerminalPlot.Series(name: "radam", points: (0...10).map { (Double($0 * 100), 5) })
        let lines = TerminalPlot(width: 40, height: 11).render([falling, flat], yLabel: "train loss")
        #expect(lines[0] == "train loss")
        let body = Array(lines[1...11])
        #expect(body[0].hasPrefix("10 |*"))            // first point: top-left
        #expect(body[10].hasPrefix(" 0 |"))
        #expect(body[10].hasSuffix("*"))               // last point: bottom-right
        #expect(body[5].contains("o"))                 // the flat series sits in the middle
        #expect(lines.last!.contains("* adam") && lines.last!.contains("o radam"))
        #expect(lines[13].contains("0") && lines[13].hasSuffix("1000"))
    }

    @Test func clipsAndHandlesEmptyData() {
        let diverged = TerminalPlot.Series(name: "d", points: [(1, 1), (2, 1e30), (3, .nan)])
        let lines = TerminalPlot(width: 10, height: 5).render([diverged], yLabel: "y", yMax: 20)
        #expect(lines[1].hasPrefix("20 |"))
        #expect(TerminalPlot().render([], yLabel: "y") == ["(no data to plot)"])
        #expect(String(format2: 3.14159) == "3.14")
        #expect(String(format2: -0.5) == "-0.50")
        #expect(String(format1: 2.25) == "2.3")
        #expect(String(format1: 1234.0) == "1234.0")
    }
}
