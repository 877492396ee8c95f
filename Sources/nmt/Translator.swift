import Decoding
import Foundation
import Text
import Training
import Transformer

/// Text in, text out: normalise and BPE-encode with the model's vocabulary, batch sentences
/// of similar length (sorted, then restored to input order), beam search, detokenize.
final class Translator {
    let model: TransformerModel
    let vocabulary: BPEModel
    let search: BeamSearch
    let maxTokens: Int
    /// Sources longer than the model's positions are cut to this many tokens.
    let maxSourceTokens: Int
    private(set) var truncatedLines = 0
    private(set) var unknownCharacters = 0
    private(set) var sentences = 0
    private(set) var outputTokens = 0

    init(model: TransformerModel, vocabulary: BPEModel, settings: BeamSearch.Settings, maxTokens: Int = 4096) throws {
        guard vocabulary.vocabSize == model.config.vocabularySize else {
            throw CLIError("the vocabulary has \(vocabulary.vocabSize) pieces but the model was built for \(model.config.vocabularySize)")
        }
        try settings.validate()
        self.model = model
        self.vocabulary = vocabulary
        self.search = BeamSearch(settings: settings)
        self.maxTokens = maxTokens
        self.maxSourceTokens = model.config.maxPositions - 2
    }

    /// Translations of `lines`, in order; `nbest` hypotheses of a line are joined by tabs.
    func translate(_ lines: [String]) throws -> [String] {
        let (encoded, unknown) = EncodedCorpus.encode(lines, model: vocabulary)
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
    func translate(ids sources: [[Int32]]) throws -> [[[Int32]]] {
        var results = [[[Int32]]](repeating: [[]], count: sources.count)
        let order = sources.indices.filter { !sources[$0].isEmpty }.sorted {
            sources[$0].count != sources[$1].count ? sources[$0].count < sources[$1].count : $0 < $1
        }
        var start = 0
        while start < order.count {
            // Grow the batch while the beam-expanded source block stays within the token budget.
            var end = start
            var longest = 0
            while end < order.count {
                let length = sources[order[end]].count + 1
                let rows = (end - start + 1) * search.settings.beam
                if end > start && max(longest, length) * rows > maxTokens * 4 { break }
                longest = max(longest, length)
                end += 1
            }
            let batch = Array(order[start..<end])
            let hyps = try search.search(TransformerDecoder(model: model), sources: batch.map { sources[$0] })
            for (i, index) in batch.enumerated() {
                results[index] = hyps[i].map(\.tokens)
                outputTokens += hyps[i].first?.tokens.count ?? 0
            }
            start = end
        }
        sentences += sources.count
        return results
    }
}
