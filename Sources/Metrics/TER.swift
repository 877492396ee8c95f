import Parallelism

/// TER's sufficient statistics: sacreBLEU's `[edits, average reference length]` per segment,
/// summed over the corpus.
public struct TERStatistics: Equatable, Sendable {
    public var edits: Double = 0
    public var referenceLength: Double = 0
    public init(edits: Double = 0, referenceLength: Double = 0) {
        self.edits = edits
        self.referenceLength = referenceLength
    }

    public static func += (lhs: inout TERStatistics, rhs: TERStatistics) {
        lhs.edits += rhs.edits
        lhs.referenceLength += rhs.referenceLength
    }
}

/// Translation edit rate (Snover et al., 2006) as sacreBLEU 2.x computes it.
public enum TER {
    /// `TER._compute_score_from_stats`, as a percentage.
    public static func score(_ stats: TERStatistics) -> Double {
        if stats.referenceLength > 0 { return 100 * stats.edits / stats.referenceLength }
        return stats.edits > 0 ? 100 : 0
    }

    /// One segment's statistics against its references: the fewest edits over the references,
    /// and the mean reference length (`TER._compute_segment_statistics`).
    public static func segmentStatistics(hypothesis: UnsafeBufferPointer<UInt32>, references: [UnsafeBufferPointer<UInt32>],
                                         options: TEROptions) -> TERStatistics {
        var ids: [[UInt32]: Int] = [:]
        func words(_ line: UnsafeBufferPointer<UInt32>) -> [Int] {
            let kept = PythonText.rstrippedCount(line)
            return TercomTokenizer.words(Array(line[0..<kept]), options: options).map { word in
                if let id = ids[word] { return id }
                let id = ids.count
                ids[word] = id
                return id
            }
        }
        let h = words(hypothesis)
        var best = Int.max, lengths = 0
        for reference in references {
            let (edits, length) = TranslationEditRate.edits(hypothesis: h, reference: words(reference))
            lengths += length
            best = min(best, edits)
        }
        return TERStatistics(edits: Double(best), referenceLength: Double(lengths) / Double(references.count))
    }

    /// The corpus statistics (segments in parallel).
    public static func statistics(hypotheses: TextLines, references: [TextLines], options: TEROptions) -> TERStatistics {
        perSegment(hypotheses: hypotheses, references: references, options: options).reduce(into: TERStatistics()) { $0 += $1 }
    }

    /// The most cells TER's edit-distance table may have for one segment (it stores a cost and
    /// an operation per cell, ~9 bytes): 10⁸ cells, about 0.9 GB.
    public static let maxCells = 100_000_000

    /// Refuses, before any table is allocated, a segment whose hypothesis and reference are so
    /// long that the table would not fit: their lengths in code points bound their word counts.
    public static func checkSize(hypotheses: NamedLines, references: [NamedLines]) throws {
        for i in 0..<hypotheses.lines.count {
            let h = hypotheses.lines.withLine(i) { $0.count }
            for reference in references {
                let r = reference.lines.withLine(i) { $0.count }
                let (cells, overflow) = (h + 1).multipliedReportingOverflow(by: r + 1)
                if overflow || cells > maxCells {
                    throw MetricsInputError.invalidSetting("\(hypotheses.name): line \(i + 1): TER of a \(h)-character segment against a \(r)-character "
                        + "reference (\(reference.name)) would need more than \(maxCells) table cells; nmt scores TER on shorter segments")
                }
            }
        }
    }

    /// Every segment's statistics, in order (what resampling needs).
    public static func perSegment(hypotheses: TextLines, references: [TextLines], options: TEROptions) -> [TERStatistics] {
        var out = [TERStatistics](repeating: TERStatistics(), count: hypotheses.count)
        out.withUnsafeMutableBufferPointer { o in
            nonisolated(unsafe) let o = o
            Parallel.forEachChunk(hypotheses.count, minChunk: 16) { range in
                for i in range {
                    o[i] = hypotheses.withLine(i) { h in
                        withLines(references, i) { refs in segmentStatistics(hypothesis: h, references: refs, options: options) }
                    }
                }
            }
        }
        return out
    }

    /// Line `i` of every reference stream, as buffers valid inside `body`.
    static func withLines<R>(_ streams: [TextLines], _ i: Int, _ body: ([UnsafeBufferPointer<UInt32>]) -> R) -> R {
        func go(_ k: Int, _ acc: [UnsafeBufferPointer<UInt32>]) -> R {
            if k == streams.count { return body(acc) }
            return streams[k].withLine(i) { go(k + 1, acc + [$0]) }
        }
        return go(0, [])
    }

    /// e.g. `nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0`
    public static func signature(references: Int, options: TEROptions) -> String {
        "nrefs:\(references)|case:\(options.caseSensitive ? "mixed" : "lc")|tok:tercom|norm:\(options.normalized ? "yes" : "no")"
            + "|punct:\(options.noPunctuation ? "no" : "yes")|asian:\(options.asianSupport ? "yes" : "no")|version:\(Signature.sacreBLEUVersion)"
    }
}
