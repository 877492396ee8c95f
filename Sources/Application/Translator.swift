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

    public init(model: TransformerModel, vocabulary: BPEModel, settings: BeamSearch.Settings, maxTokens: Int = 4096) throws {
        guard vocabulary.vocabSize == model.config.vocabularySize else {
            throw ApplicationError("the vocabulary has \(vocabulary.vocabSize) pieces but the model was built for \(model.config.vocabularySize)")
        }
        try settings.validate()
        self.model = model
        self.vocabulary = vocabulary
        self.search = BeamSearch(settings: settings)
        self.maxTokens = maxTokens
        self.maxSourceTokens = model.config.maxPositions - 2
    }

    /// Translations of `lines`, in order; `nbest` hypotheses of a line are joined by tabs.
    public func translate(_ lines: [String]) throws -> [String] {
        let (encoded, unknown) = vocabulary.encode(lines: lines)
        unknownCharacters += unknown
        let sources = encoded.map { ids -> [Int32] in
            guard ids.count > maxSourceTokens else { return ids }
            truncatedLines += 1
            return Array(ids.prefix(maxSourceTokens))
        }
        return try translate(ids: sources).map { hyps in
            hyps.map { vocabulary.decode($0) }.joined(separator: "\t")
        }
    }

    /// Best hypotheses (token ids) of each source, in order; empty sources give one empty output.
    public func translate(ids sources: [[Int32]]) throws -> [[[Int32]]] {
        var results = [[[Int32]]](repeating: [[]], count: sources.count)
        let order = sources.indices.filter { !sources[$0].isEmpty }.sorted {
            sources[$0].count != sources[$1].count ? sources[$0].count < sources[$1].count : $0 < $1
        }
        // The beam-expanded source block of a batch stays within four times the token budget.
        let batches = TokenBudget.batches(order, budget: maxTokens * 4, rowsPerItem: search.settings.beam) { sources[$0].count + 1 }
        for batch in batches {
            let hyps = try search.search(TransformerDecoder(model: model), sources: batch.map { sources[$0] })
            for (i, index) in batch.enumerated() {
                results[index] = hyps[i].map(\.tokens)
                outputTokens += hyps[i].first?.tokens.count ?? 0
            }
        }
        sentences += sources.count
        return results
    }
}
