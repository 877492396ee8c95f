import Foundation
import Testing
import TestSupport
@testable import Statistics

/// The seed-level statistics against scipy 1.17 (scripts/reference/make_study_stats_fixtures.py):
/// the t distribution, paired intervals and tests, TOST and Holm.
struct StatisticsTests {
    struct TPoint: Decodable { let t: Double; let df: Double; let cdf: Double; let sf: Double }
    struct TQuantile: Decodable { let p: Double; let df: Double; let t: Double }
    struct Paired: Decodable {
        let name: String
        let a: [Double]
        let b: [Double]
        let delta: Double
        let confidence: Double
        let n: Int
        let mean: Double
        let sd: Double
        let se: Double
        let ci_low: Double
        let ci_high: Double
        let p_two_sided: Double?
        let p_tost: Double?
        let equivalent_at_0_05: Bool?
    }
    struct HolmCase: Decodable { let p: [Double]; let adjusted: [Double] }
    struct Fixture: Decodable {
        let t_cdf: [TPoint]
        let t_quantile: [TQuantile]
        let paired: [Paired]
        let holm: [HolmCase]
    }

    static let fixture = try! JSONDecoder().decode(Fixture.self, from: Fixtures.data("stats/paired_statistics.json"))

    /// Relative error with an absolute floor (values near zero compare absolutely).
    func close(_ a: Double, _ b: Double, relative: Double = 1e-10, absolute: Double = 1e-13) -> Bool {
        abs(a - b) <= max(absolute, relative * abs(b))
    }

    @Test func cdfAndTailsMatchScipy() {
        #expect(Self.fixture.t_cdf.count >= 100)
        for p in Self.fixture.t_cdf {
            let t = StudentT(df: p.df)
            // Each side from its own tail: sf down to 1e-73 keeps its relative precision.
            #expect(close(t.cdf(p.t), p.cdf, absolute: 1e-300), "cdf(\(p.t), df \(p.df)) = \(t.cdf(p.t)), scipy \(p.cdf)")
            #expect(close(t.survival(p.t), p.sf, absolute: 1e-300), "sf(\(p.t), df \(p.df)) = \(t.survival(p.t)), scipy \(p.sf)")
        }
    }

    @Test func closedFormsForOneAndTwoDegreesOfFreedom() {
        for x in [-7.0, -1, -0.2, 0, 0.5, 3, 40] {
            #expect(close(StudentT(df: 1).cdf(x), 0.5 + atan(x) / .pi))
            #expect(close(StudentT(df: 2).cdf(x), 0.5 + x / (2 * (2 + x * x).squareRoot())))
        }
    }

    @Test func quantilesMatchScipy() {
        for q in Self.fixture.t_quantile {
            let t = StudentT(df: q.df).quantile(q.p)
            #expect(close(t, q.t, relative: 1e-10, absolute: 1e-12), "ppf(\(q.p), df \(q.df)) = \(t), scipy \(q.t)")
        }
    }

    @Test func pairedComparisonsMatchScipy() throws {
        for c in Self.fixture.paired {
            let r = try #require(PairedComparison(c.a, minus: c.b, confidence: c.confidence, margin: c.delta), "\(c.name)")
            #expect(r.n == c.n)
            #expect(close(r.mean, c.mean, relative: 1e-12, absolute: 1e-14), "\(c.name): mean \(r.mean) vs \(c.mean)")
            #expect(close(r.sd, c.sd, relative: 1e-9, absolute: 1e-14), "\(c.name): sd \(r.sd) vs \(c.sd)")
            #expect(close(r.standardError, c.se, relative: 1e-9, absolute: 1e-14), "\(c.name)")
            #expect(close(r.intervalLow, c.ci_low, relative: 1e-9, absolute: 1e-12), "\(c.name): ci low \(r.intervalLow) vs \(c.ci_low)")
            #expect(close(r.intervalHigh, c.ci_high, relative: 1e-9, absolute: 1e-12), "\(c.name): ci high \(r.intervalHigh) vs \(c.ci_high)")
            if let p = c.p_two_sided {
                let mine = try #require(r.pValue, "\(c.name): no p-value")
                #expect(close(mine, p, relative: 1e-8, absolute: 1e-15), "\(c.name): p \(mine) vs \(p)")
            } else {
                #expect(r.pValue == nil, "\(c.name): zero spread has no test")
            }
            if let p = c.p_tost {
                let mine = try #require(r.equivalencePValue, "\(c.name): no TOST p-value")
                #expect(close(mine, p, relative: 1e-8, absolute: 1e-15), "\(c.name): TOST p \(mine) vs \(p)")
                #expect((mine < 0.05) == c.equivalent_at_0_05, "\(c.name)")
            } else {
                #expect(r.equivalencePValue == nil, "\(c.name)")
            }
        }
    }

    @Test func fewerThanTwoSeedsOrUnequalListsHaveNoComparison() {
        #expect(PairedComparison([5.0], minus: [4.0], margin: 0.1) == nil)
        #expect(PairedComparison([5.0, 4.0], minus: [4.0], margin: 0.1) == nil)
        #expect(PairedComparison(differences: [1, .nan], margin: 0.1) == nil)
    }

    @Test func holmMatchesStatsmodels() {
        #expect(Self.fixture.holm.count >= 6)
        for c in Self.fixture.holm {
            let adjusted = Holm.adjust(c.p.map { $0 })
            for (mine, theirs) in zip(adjusted, c.adjusted) {
                #expect(mine.map { close($0, theirs, relative: 1e-12, absolute: 1e-15) } == true, "\(c.p): \(adjusted) vs \(c.adjusted)")
            }
        }
        // Tests that could not be made stay out of the family.
        let partial = Holm.adjust([0.01, nil, 0.04])
        #expect(partial[1] == nil && partial[0] == 0.02 && partial[2] == 0.04)
    }

    /// The median of odd and even counts (the middle two averaged), unsorted input, and none.
    @Test func medianOfOddEvenAndNoValues() {
        #expect(Median.of([3, 1, 2]) == 2)
        #expect(Median.of([4, 1, 3, 2]) == 2.5)
        #expect(Median.of([-1e300, 7]) == (-1e300 + 7) / 2)
        #expect(Median.of([]).isNaN)
    }
}
