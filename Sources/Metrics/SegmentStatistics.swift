import Parallelism

/// One metric's sufficient statistics per segment (sacreBLEU's `_extract_corpus_statistics`),
/// and how a corpus score follows from their sums. Statistics are computed once from the text;
/// bootstrap resampling and randomization only re-add rows.
public struct SegmentStatistics: Sendable {
    /// sacreBLEU's name for the score: BLEU, chrF2, chrF2++, TER.
    public let name: String
    public let signature: String
    /// Numbers per segment.
    public let dimension: Int
    /// segments × dimension, row-major.
    public let values: [Double]
    /// The corpus score of summed statistics.
    public let score: @Sendable ([Double]) -> Double

    public var segments: Int { values.count / dimension }

    /// Segment `s`'s numbers.
    public func row(_ s: Int) -> [Double] { Array(values[(s * dimension)..<((s + 1) * dimension)]) }

    /// The score of the whole corpus.
    public var corpusScore: Double {
        var sums = [Double](repeating: 0, count: dimension)
        for s in 0..<segments { for d in 0..<dimension { sums[d] += values[s * dimension + d] } }
        return score(sums)
    }

    /// BLEU: `[hyp_len, ref_len, correct₁…₄, total₁…₄]` per segment.
    public static func bleu(hypotheses: TextLines, references: [TextLines], options: BLEUOptions) -> SegmentStatistics {
        bleu(systems: [hypotheses], references: references, options: options)[0]
    }

    /// BLEU of several systems against the same references, the references tokenized once.
    public static func bleu(systems: [TextLines], references: [TextLines], options: BLEUOptions) -> [SegmentStatistics] {
        let dimension = 2 + 2 * BLEUStatistics.maxOrder, k = systems.count, n = systems[0].count
        let flat = perSegment(n, k * dimension) { range, out in
            let counter = SegmentCounter(hypotheses: systems[0], references: references, tokenizer: options.tokenizer, lowercase: options.lowercase,
                                         systems: systems)
            for s in range {
                counter.addBLEU(segment: s) { system, c in
                    let row = s * k * dimension + system * dimension
                    out[row] = Double(c.hypothesisLength)
                    out[row + 1] = Double(c.referenceLength)
                    for o in 0..<BLEUStatistics.maxOrder {
                        out[row + 2 + o] = Double(c.correct[o])
                        out[row + 2 + BLEUStatistics.maxOrder + o] = Double(c.total[o])
                    }
                }
            }
        }
        return split(flat, systems: k, segments: n, dimension: dimension).map { values in
            SegmentStatistics(name: "BLEU", signature: Signature.bleu(references: references.count, options: options), dimension: dimension,
                              values: values) { sums in
                BLEU.score(bleuStatistics(sums), smoothing: options.smoothing, effectiveOrder: options.effectiveOrder).score
            }
        }
    }

    /// BLEU's counts from numbers in its layout: one segment's row, or the sum of rows.
    public static func bleuStatistics(_ v: [Double]) -> BLEUStatistics {
        var stats = BLEUStatistics()
        stats.hypothesisLength = Int(v[0].rounded())
        stats.referenceLength = Int(v[1].rounded())
        stats.correct = (0..<BLEUStatistics.maxOrder).map { Int(v[2 + $0].rounded()) }
        stats.total = (0..<BLEUStatistics.maxOrder).map { Int(v[2 + BLEUStatistics.maxOrder + $0].rounded()) }
        return stats
    }

    /// Segment-major values of `systems` systems side by side → one array per system.
    static func split(_ flat: [Double], systems k: Int, segments n: Int, dimension d: Int) -> [[Double]] {
        (0..<k).map { system in
            var values = [Double](repeating: 0, count: n * d)
            for s in 0..<n { for j in 0..<d { values[s * d + j] = flat[s * k * d + system * d + j] } }
            return values
        }
    }

    /// chrF: `[hyp, ref, match]` for each character order, then each word order.
    public static func chrF(hypotheses: TextLines, references: [TextLines], options: CHRFOptions) -> SegmentStatistics {
        chrF(systems: [hypotheses], references: references, options: options)[0]
    }

    /// chrF of several systems against the same references, the references' n-grams counted once.
    public static func chrF(systems: [TextLines], references: [TextLines], options: CHRFOptions) -> [SegmentStatistics] {
        let orders = options.orders, dimension = 3 * orders, k = systems.count, n = systems[0].count
        let flat = perSegment(n, k * dimension) { range, out in
            let counter = SegmentCounter(hypotheses: systems[0], references: references, tokenizer: .none, lowercase: false, chrF: options,
                                         systems: systems)
            for s in range {
                counter.addCHRF(segment: s) { system, c in
                    let row = s * k * dimension + system * dimension
                    for o in 0..<orders {
                        out[row + 3 * o] = Double(c.hypothesis[o])
                        out[row + 3 * o + 1] = Double(c.reference[o])
                        out[row + 3 * o + 2] = Double(c.matches[o])
                    }
                }
            }
        }
        let beta = options.beta
        return split(flat, systems: k, segments: n, dimension: dimension).map { v in
            SegmentStatistics(name: options.name, signature: Signature.chrF(references: references.count, options: options),
                              dimension: dimension, values: v) { sums in
                CHRF.score(orders: orders, beta: beta) { (Int(sums[3 * $0].rounded()), Int(sums[3 * $0 + 1].rounded()), Int(sums[3 * $0 + 2].rounded())) }
            }
        }
    }

    /// TER: `[edits, average reference length]`.
    public static func ter(hypotheses: TextLines, references: [TextLines], options: TEROptions) -> SegmentStatistics {
        let rows = TER.perSegment(hypotheses: hypotheses, references: references, options: options)
        return SegmentStatistics(name: "TER", signature: TER.signature(references: references.count, options: options), dimension: 2,
                                 values: rows.flatMap { [$0.edits, $0.referenceLength] }) { sums in
            TER.score(TERStatistics(edits: sums[0], referenceLength: sums[1]))
        }
    }

    /// Fills segments × dimension values, chunks of segments in parallel (one counter per chunk).
    static func perSegment(_ segments: Int, _ dimension: Int,
                           _ fill: (Range<Int>, UnsafeMutableBufferPointer<Double>) -> Void) -> [Double] {
        var values = [Double](repeating: 0, count: segments * dimension)
        values.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            Parallel.forEachChunk(segments, minChunk: 64) { range in fill(range, out) }
        }
        return values
    }
}
