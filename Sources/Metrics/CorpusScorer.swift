import Parallelism

/// How BLEU preprocesses segments. The defaults are sacreBLEU 2.x's.
public struct BLEUOptions: Equatable, Sendable {
    public var tokenizer: BLEUTokenizer
    public var lowercase: Bool
    public var smoothing: BLEUSmoothing
    /// Average only over the orders the hypothesis has n-grams of (sacreBLEU's sentence-level BLEU).
    public var effectiveOrder: Bool

    public init(tokenizer: BLEUTokenizer = .thirteenA, lowercase: Bool = false, smoothing: BLEUSmoothing = .exp, effectiveOrder: Bool = false) {
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.smoothing = smoothing
        self.effectiveOrder = effectiveOrder
    }
}

/// sacreBLEU's smoothing of orders without matches (`--smooth-method`, `--smooth-value`).
public enum BLEUSmoothing: Equatable, Sendable {
    /// mteval-v13a's: the k-th order without matches gets precision 100 / (2^k · total).
    case exp
    case none
    /// Orders without matches get precision 100 · value / total (default value 0.1).
    case floor(Double)
    /// value added to the matches and n-grams of every order but the first (default 1).
    case addK(Double)

    /// As the signature writes it: exp, none, floor[0.10], add-k[1.00].
    public var signature: String {
        switch self {
        case .exp: return "exp"
        case .none: return "none"
        case .floor(let v): return "floor[\(String(format: "%.2f", v))]"
        case .addK(let v): return "add-k[\(String(format: "%.2f", v))]"
        }
    }

    /// From sacreBLEU's flags: a method name and an optional value (ignored by exp and none).
    public init(method: String, value: Double?) throws {
        switch method {
        case "exp": self = .exp
        case "none": self = .none
        case "floor": self = .floor(value ?? 0.1)
        case "add-k": self = .addK(value ?? 1)
        default: throw MetricsInputError.invalidSetting("--smooth-method must be none, floor, add-k or exp, got '\(method)'")
        }
    }
}

/// Corpus-level sufficient statistics; scores follow from them by pure functions.
public struct CorpusStatistics: Equatable, Sendable {
    public var bleu: BLEUStatistics
    public var chrF: CHRFStatistics?
}

/// A named stream of lines, for error messages.
public struct NamedLines: Sendable {
    public var name: String
    public var lines: TextLines
    public init(name: String, lines: TextLines) { self.name = name; self.lines = lines }
}

public enum CorpusScorer {
    /// Every reference stream must have one line per hypothesis, and there must be something to score.
    public static func checkAlignment(hypotheses: NamedLines, references: [NamedLines]) throws {
        guard let first = references.first else { throw MetricsInputError.noReferences }
        for reference in references.dropFirst() where reference.lines.count != first.lines.count {
            throw MetricsInputError.lineCountMismatch(file: reference.name, lines: reference.lines.count,
                                                      expectedFile: first.name, expectedLines: first.lines.count)
        }
        if hypotheses.lines.count != first.lines.count {
            throw MetricsInputError.lineCountMismatch(file: hypotheses.name, lines: hypotheses.lines.count,
                                                      expectedFile: first.name, expectedLines: first.lines.count)
        }
        if first.lines.count == 0 { throw MetricsInputError.emptyCorpus(file: first.name) }
    }

    /// Counts every segment (in parallel over `workers` threads) and sums the statistics.
    /// The streams must be aligned (see `checkAlignment`).
    public static func statistics(hypotheses: TextLines, references: [TextLines], options: BLEUOptions = BLEUOptions(),
                                  chrF chrFOptions: CHRFOptions? = nil, workers: Int = Parallel.threadCap) -> CorpusStatistics {
        let includeCHRF = chrFOptions != nil
        let chrFOptions = chrFOptions ?? CHRFOptions()
        precondition(!references.isEmpty && references.allSatisfy { $0.count == hypotheses.count })
        let segments = hypotheses.count
        // Several chunks per worker balance uneven line lengths; each chunk has its own counter.
        let chunkCount = max(1, min(segments / 64, max(1, workers) * 8))
        let bleuParts = UnsafeMutableBufferPointer<BLEUCounts>.allocate(capacity: chunkCount)
        let chrfParts = UnsafeMutableBufferPointer<CHRFCounts>.allocate(capacity: chunkCount)
        defer { bleuParts.deallocate(); chrfParts.deallocate() }

        nonisolated(unsafe) let bleuOut = bleuParts
        nonisolated(unsafe) let chrfOut = chrfParts
        let work = { (chunk: Int) in
            let counter = SegmentCounter(hypotheses: hypotheses, references: references,
                                         tokenizer: options.tokenizer, lowercase: options.lowercase, chrF: chrFOptions)
            var bleu = BLEUCounts()
            var chrf = CHRFCounts()
            for segment in (segments * chunk / chunkCount) ..< (segments * (chunk + 1) / chunkCount) {
                counter.addBLEU(segment: segment, to: &bleu)
                if includeCHRF { counter.addCHRF(segment: segment, to: &chrf) }
            }
            bleuOut.baseAddress!.advanced(by: chunk).initialize(to: bleu)
            chrfOut.baseAddress!.advanced(by: chunk).initialize(to: chrf)
        }
        if workers <= 1 || chunkCount == 1 {
            for chunk in 0 ..< chunkCount { work(chunk) }
        } else {
            Parallel.forEachIteration(chunkCount, work)
        }

        var bleu = BLEUCounts()
        var chrf = CHRFCounts()
        for chunk in 0 ..< chunkCount {
            bleu += bleuParts[chunk]
            chrf += chrfParts[chunk]
        }
        return CorpusStatistics(bleu: bleu.statistics, chrF: includeCHRF ? chrf.statistics(orders: chrFOptions.orders) : nil)
    }
}
