import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Analysis

/// The plots' axes follow the rules a paper's figures do: round ticks, one format per axis,
/// no negative tick for non-negative data, a shared range when asked.
struct SVGPlotTests {
    @Test func ticksAreRoundStepsCoveringTheData() {
        let (ticks, decimals) = SVGPlot.niceTicks(0.013, 0.087)
        #expect(ticks.allSatisfy { abs($0 / 0.02 - ($0 / 0.02).rounded()) < 1e-9 }, "\(ticks)")
        #expect(ticks.first! <= 0.013 && ticks.last! >= 0.087 && decimals == 2)
        let big = SVGPlot.niceTicks(120, 980)
        #expect(big.decimals == 0 && big.ticks.allSatisfy { $0.truncatingRemainder(dividingBy: 200) == 0 })
        for (lo, hi) in [(6.1, 9.7), (-0.3, 0.4), (1e-5, 3e-5), (5.0, 5.0)] {
            let (t, _) = SVGPlot.niceTicks(lo, hi)
            let step = t[1] - t[0]
            let mantissa = step / pow(10, floor(log10(step)))
            #expect([1.0, 2.0, 5.0, 10.0].contains { abs(mantissa - $0) < 1e-9 }, "step \(step) for \(lo)...\(hi)")
            #expect(t.first! <= lo && t.last! >= hi && t.count <= 12)
        }
        #expect(SVGPlot.power(-3) == "10⁻³" && SVGPlot.power(12) == "10¹²")
    }

    func tickLabels(_ svg: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"text-anchor="end">([^<]*)</text>"#)
        return pattern.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)).map { String(svg[Range($0.range(at: 1), in: svg)!]) }
    }

    @Test func nonNegativeDataGetsNoNegativeTickAndOneFormat() {
        var plot = SVGPlot(title: "t", xLabel: "x", yLabel: "y")
        let svg = plot.render([SVGPlot.Series(name: "a", points: [(1, 0.001), (2, 0.03), (3, 0.02)])])
        let labels = tickLabels(svg)
        #expect(!labels.isEmpty && labels.allSatisfy { !$0.hasPrefix("-") }, "\(labels)")
        #expect(Set(labels.map { $0.split(separator: ".").last?.count ?? 0 }).count == 1, "one format: \(labels)")
        // A shared range: both panels get the same ticks whatever their own data.
        plot.yRange = 0...10
        let a = tickLabels(plot.render([SVGPlot.Series(name: "a", points: [(1, 2), (2, 3)])]))
        let b = tickLabels(plot.render([SVGPlot.Series(name: "b", points: [(1, 7), (2, 9)])]))
        #expect(a == b && a.first == "0" && a.last == "10", "\(a) vs \(b)")
    }

    @Test func theForestPlotAndTheDotGridAreWellFormed() throws {
        var forest = SVGForestPlot(title: "d", xLabel: "difference", margin: 0.05)
        forest.width = 800
        let svg = forest.render([.init(label: "a & b", estimate: -0.1, low: -0.2, high: 0.01, note: "different"),
                                 .init(label: "c", estimate: 0.02, low: .nan, high: .nan, note: "too few seeds")])
        #expect(svg.contains("a &amp; b") && svg.contains("± margin 0.05"))
        let grid = SVGDotGrid(title: "g", xLabel: "lr", columns: [1e-3, 2e-3], legend: [(.filled, "ok"), (.cross, "diverged")])
            .render([.init(label: "adam", marks: [.filled, .cross], notes: ["", ""], bracket: (1e-3, 2e-3))])
        for document in [svg, grid] {
            #expect(document.hasPrefix("<svg") && document.hasSuffix("</svg>\n"))
            #expect(XMLParser(data: Data(document.utf8)).parse(), "well-formed XML")
        }
    }
}
