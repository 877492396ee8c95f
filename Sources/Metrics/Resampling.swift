import Parallelism

/// sacreBLEU's statistics (significance.py and `--confidence`), on per-segment statistics:
/// bootstrap confidence intervals, the paired bootstrap test and paired approximate
/// randomization, drawing exactly sacreBLEU's random numbers for a seed (NumpyRandom).
public enum Resampling {
    /// sacreBLEU's default seed (`SACREBLEU_SEED`).
    public static let defaultSeed: UInt64 = 12345

    /// The bootstrap estimate of a score: the mean of the resampled scores and half the width
    /// of their central 95% (`estimate_ci`).
    public struct Estimate: Equatable, Sendable {
        public var mean: Double
        public var halfWidth: Double
    }

    /// One system against the baseline.
    public struct PairedResult: Equatable, Sendable {
        public var score: Double
        public var pValue: Double
        /// Paired bootstrap only.
        public var estimate: Estimate?
        public init(score: Double, pValue: Double, estimate: Estimate?) {
            self.score = score
            self.pValue = pValue
            self.estimate = estimate
        }
    }

    /// `rng.choice(n, size=(samples, n), replace=True)` from a fresh `default_rng(seed)`, row-major.
    public static func bootstrapIndices(segments n: Int, samples: Int, seed: UInt64) -> [Int] {
        var rng = NumpyRandom(seed: seed)
        return rng.choice(n, count: samples * n)
    }

    /// The score of every resample (`_bootstrap_resample`). Rows are summed four numbers at a time
    /// (the statistics padded to a multiple of four), resamples split over the workers.
    public static func resampledScores(_ stats: SegmentStatistics, indices: [Int], samples: Int) -> [Double] {
        let n = stats.segments, d = stats.dimension, lanes = (d + 3) / 4
        var padded = [SIMD4<Double>](repeating: .zero, count: n * lanes)
        for i in 0..<n { for j in 0..<d { padded[i * lanes + j / 4][j % 4] = stats.values[i * d + j] } }
        var scores = [Double](repeating: 0, count: samples)
        padded.withUnsafeBufferPointer { rows in
            indices.withUnsafeBufferPointer { idx in
                scores.withUnsafeMutableBufferPointer { out in
                    nonisolated(unsafe) let out = out
                    Parallel.forEachChunk(samples, minChunk: 8) { range in
                        var acc = [SIMD4<Double>](repeating: .zero, count: lanes)
                        var sums = [Double](repeating: 0, count: d)
                        acc.withUnsafeMutableBufferPointer { acc in
                            for k in range {
                                for l in 0..<lanes { acc[l] = .zero }
                                for i in 0..<n {
                                    let row = rows.baseAddress! + idx[k * n + i] * lanes
                                    for l in 0..<lanes { acc[l] += row[l] }
                                }
                                for j in 0..<d { sums[j] = acc[j / 4][j % 4] }
                                out[k] = stats.score(sums)
                            }
                        }
                    }
                }
            }
        }
        return scores
    }

    /// `estimate_ci`: mean, and half the distance between the scores at ranks n/40 and n − n/40 − 1.
    public static func estimate(_ scores: [Double]) -> Estimate {
        let sorted = scores.sorted()
        let lower = sorted.count / 40, upper = sorted.count - lower - 1
        return Estimate(mean: mean(sorted), halfWidth: 0.5 * (sorted[upper] - sorted[lower]))
    }

    /// `--confidence`: the bootstrap estimate of one system's score.
    public static func confidence(_ stats: SegmentStatistics, samples: Int, seed: UInt64 = defaultSeed) -> Estimate {
        estimate(resampledScores(stats, indices: bootstrapIndices(segments: stats.segments, samples: samples, seed: seed), samples: samples))
    }

    /// `_paired_bs_test`: both systems scored on the same resamples; the p-value counts resamples
    /// whose centred |difference| exceeds the actual one, +1 smoothed.
    public static func pairedBootstrap(baseline: SegmentStatistics, system: SegmentStatistics, samples: Int,
                                       seed: UInt64 = defaultSeed) -> PairedResult {
        let indices = bootstrapIndices(segments: system.segments, samples: samples, seed: seed)
        return pairedBootstrap(baselineScores: resampledScores(baseline, indices: indices, samples: samples),
                               baselineScore: baseline.corpusScore, system: system, indices: indices, samples: samples)
    }

    /// The same with the baseline's resampled scores given (one seed gives every system the same
    /// resamples, so a comparison of several systems resamples the baseline once).
    public static func pairedBootstrap(baselineScores: [Double], baselineScore: Double, system: SegmentStatistics, indices: [Int],
                                       samples: Int) -> PairedResult {
        let systemScores = resampledScores(system, indices: indices, samples: samples)
        let score = system.corpusScore
        let actual = abs(baselineScore - score)
        let differences = zip(systemScores, baselineScores).map { abs($0 - $1) }
        let centre = mean(differences)
        return PairedResult(score: score, pValue: pValue(differences.map { $0 - centre }, actual), estimate: estimate(systemScores))
    }

    /// `_paired_ar_test`: each trial swaps a random half of the segments between the systems.
    public static func pairedRandomization(baseline: SegmentStatistics, system: SegmentStatistics, trials: Int,
                                           seed: UInt64 = defaultSeed) -> PairedResult {
        let n = system.segments, d = system.dimension
        var rng = NumpyRandom(seed: seed)
        let take = rng.bools(count: trials * n)  // true: the pseudo-system A takes the baseline's segment
        var baselineSums = [Double](repeating: 0, count: d), systemSums = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d { baselineSums[j] += baseline.values[i * d + j]; systemSums[j] += system.values[i * d + j] }
        }
        var differences = [Double](repeating: 0, count: trials)
        baseline.values.withUnsafeBufferPointer { bl in
            system.values.withUnsafeBufferPointer { sys in
                take.withUnsafeBufferPointer { take in
                    differences.withUnsafeMutableBufferPointer { out in
                        nonisolated(unsafe) let out = out
                        Parallel.forEachChunk(trials, minChunk: 8) { range in
                            var a = [Double](repeating: 0, count: d), b = [Double](repeating: 0, count: d)
                            for t in range {
                                // A = system + Σ_taken (baseline − system); B = baseline + system − A.
                                for j in 0..<d { a[j] = systemSums[j] }
                                for i in 0..<n where take[t * n + i] {
                                    for j in 0..<d { a[j] += bl[i * d + j] - sys[i * d + j] }
                                }
                                for j in 0..<d { b[j] = baselineSums[j] + systemSums[j] - a[j] }
                                out[t] = abs(system.score(a) - system.score(b))
                            }
                        }
                    }
                }
            }
        }
        let score = system.corpusScore
        return PairedResult(score: score, pValue: pValue(differences, abs(baseline.corpusScore - score)), estimate: nil)
    }

    /// `_compute_p_value`: (#(statistic > actual) + 1) / (count + 1).
    static func pValue(_ statistics: [Double], _ actual: Double) -> Double {
        Double(statistics.filter { $0 > actual }.count + 1) / Double(statistics.count + 1)
    }

    /// The mean, summed pairwise as numpy does (close to exact; order-independent enough here).
    static func mean(_ values: [Double]) -> Double {
        func pairwise(_ s: ArraySlice<Double>) -> Double {
            if s.count <= 8 { return s.reduce(0, +) }
            let mid = s.startIndex + s.count / 2
            return pairwise(s[s.startIndex..<mid]) + pairwise(s[mid..<s.endIndex])
        }
        return values.isEmpty ? 0 : pairwise(values[...]) / Double(values.count)
    }
}
