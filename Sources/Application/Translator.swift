import Decoding
import Foundation
import Text
import Transformer

/// Text in, text out: normalise and BPE-encode with the model's vocabulary, batch sentences
/// of similar length (sorted, then restored to input order), beam search, detokenize.
public final class Translator {
    public let model: TransformerModel
    public let vocabulary: BPEModel
    public let search: BeamSearch
    public let maxTokens: Int
    /// Sources longer than the model's positions are cut to this many tokens.
    public let maxSourceTokens: Int
    public private(set) var truncatedLines = 0
    public private(set) var unknownCharacters = 0
    public private(set) var sentences = 0
    public private(set) var outputTokens = 0

    /// Opt-in: score only each batch's shortlist candidates (`nmt shortlist learn`).
    public let shortlist: LexicalShortlist?
    /// Opt-in: int8 matrix products in every decoder step (`--int8`), quantized from `model` once.
    public let int8: Int8DecoderWeights?

    public init(model: TransformerModel, vocabulary: BPEModel, settings: BeamSearch.Settings, maxTokens: Int = 4096,
                shortlist: LexicalShortlist? = nil, int8: Int8DecoderWeights? = nil) throws {
        guard vocabulary.vocabSize == model.config.vocabularySize else {
            throw ApplicationError("the vocabulary has \(vocabulary.vocabSize) pieces but the model was built for \(model.config.vocabularySize)")
        }
        try settings.validate()
        self.model = model
        self.vocabulary = vocabulary
        self.search = BeamSearch(settings: settings)
        self.maxTokens = maxTokens
        self.maxSourceTokens = model.config.maxPositions - 2
        self.shortlist = shortlist
        self.int8 = int8
    }

    /// Translations of `lines`, in order; `nbest` hypotheses of a line are joined by tabs.
    public func translate(_ lines: [String]) throws -> [String] {
        try translateScored(lines).map { $0.hypotheses.map(\.text).joined(separator: "\t") }
    }

    /// The source pieces and the `nbest` scored hypotheses of each line, in order.
    /// `shouldStop` ends the search early (`BeamSearch.Stopped`): see `BeamSearch.search`.
    public func translateScored(_ lines: [String], shouldStop: (() -> Bool)? = nil) throws -> [ScoredTranslation] {
        let sources = encode(lines)
        return try hypotheses(ids: sources, shouldStop: shouldStop).enumerated().map { index, hyps in
            ScoredTranslation(sourcePieces: vocabulary.pieces(sources[index]), hypotheses: hyps.map { hyp in
                ScoredHypothesis(text: vocabulary.decode(hyp.tokens), pieces: vocabulary.pieces(hyp.tokens), logProb: hyp.logProb,
                                 score: hyp.score, tokenLogProbs: hyp.tokenLogProbs)
            })
        }
    }

    /// Best hypotheses (token ids) of each source, in order; empty sources give one empty output.
    public func translate(ids sources: [[Int32]]) throws -> [[[Int32]]] {
        try hypotheses(ids: sources).map { $0.map(\.tokens) }
    }

    /// Normalised, BPE-encoded lines, cut to the model's positions.
    private func encode(_ lines: [String]) -> [[Int32]] {
        let (encoded, unknown) = vocabulary.encode(lines: lines)
        unknownCharacters += unknown
        return encoded.map { ids -> [Int32] in
            guard ids.count > maxSourceTokens else { return ids }
            truncatedLines += 1
            return Array(ids.prefix(maxSourceTokens))
        }
    }

    /// The `nbest` hypotheses of each source, in order; an empty source gives one empty
    /// hypothesis of log-probability 0.
    public func hypotheses(ids sources: [[Int32]], shouldStop: (() -> Bool)? = nil) throws -> [[BeamSearch.Hypothesis]] {
        var results = [[BeamSearch.Hypothesis]](repeating: [BeamSearch.Hypothesis(tokens: [], logProb: 0, score: 0)],
                                                count: sources.count)
        let order = sources.indices.filter { !sources[$0].isEmpty }.sorted {
            sources[$0].count != sources[$1].count ? sources[$0].count < sources[$1].count : $0 < $1
        }
        // The beam-expanded source block of a batch stays within four times the token budget.
        let batches = TokenBudget.batches(order, budget: maxTokens * 4, rowsPerItem: search.settings.beam) { sources[$0].count + 1 }
        for batch in batches {
            let hyps = try search.search(TransformerDecoder(model: model, shortlist: shortlist, int8: int8), sources: batch.map { sources[$0] },
                                        shouldStop: shouldStop)
            for (i, index) in batch.enumerated() {
                results[index] = hyps[i]
                outputTokens += hyps[i].first?.tokens.count ?? 0
            }
        }
        sentences += sources.count
        return results
    }
}

/// One source line's translation: its BPE pieces and its best hypotheses, best first.
public struct ScoredTranslation: Sendable {
    public var sourcePieces: [String]
    public var hypotheses: [ScoredHypothesis]

    public init(sourcePieces: [String], hypotheses: [ScoredHypothesis]) {
        self.sourcePieces = sourcePieces
        self.hypotheses = hypotheses
    }
}

public struct ScoredHypothesis: Sendable {
    /// Detokenized text.
    public var text: String
    /// BPE pieces, without `</s>`.
    public var pieces: [String]
    /// Sum of token log-probabilities (natural log), `</s>` included.
    public var logProb: Double
    /// `logProb / length^lenpen`, what the search ranks by.
    public var score: Double
    /// Per-token log-probabilities, `</s>` last.
    public var tokenLogProbs: [Float]

    public init(text: String, pieces: [String], logProb: Double, score: Double, tokenLogProbs: [Float]) {
        self.text = text; self.pieces = pieces; self.logProb = logProb; self.score = score; self.tokenLogProbs = tokenLogProbs
    }
}
