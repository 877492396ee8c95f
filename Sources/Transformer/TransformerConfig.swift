// The model's hyper-parameters as one Codable value, validated once.
import Foundation

public struct TransformerConfig: Codable, Equatable, Sendable {
    public var vocabularySize: Int
    public var modelDimension: Int
    public var heads: Int
    public var ffnDimension: Int
    public var encoderLayers: Int
    public var decoderLayers: Int
    /// Dropout on embeddings and on every sub-layer output before the residual add.
    public var dropout: Float
    /// Dropout on attention weights (fairseq --attention-dropout).
    public var attentionDropout: Float
    /// Dropout after the FFN's ReLU (fairseq --activation-dropout / relu_dropout).
    public var reluDropout: Float
    /// Pre-norm (fairseq normalize_before): LN before each sub-layer and after each stack.
    public var normalizeBefore: Bool
    /// Longest source or target sequence (sinusoidal table size), fairseq's 1024.
    public var maxPositions: Int

    /// Special ids shared with the Text module.
    public static let padId: Int32 = 0
    public static let bosId: Int32 = 1
    public static let eosId: Int32 = 2

    public init(vocabularySize: Int, modelDimension: Int, heads: Int, ffnDimension: Int,
                encoderLayers: Int, decoderLayers: Int, dropout: Float = 0.1, attentionDropout: Float = 0,
                reluDropout: Float = 0, normalizeBefore: Bool = false, maxPositions: Int = 1024) {
        self.vocabularySize = vocabularySize
        self.modelDimension = modelDimension
        self.heads = heads
        self.ffnDimension = ffnDimension
        self.encoderLayers = encoderLayers
        self.decoderLayers = decoderLayers
        self.dropout = dropout
        self.attentionDropout = attentionDropout
        self.reluDropout = reluDropout
        self.normalizeBefore = normalizeBefore
        self.maxPositions = maxPositions
    }

    /// d 128, 4 heads, FFN 512, 2+2 layers.
    public static func tiny(vocabularySize: Int) -> TransformerConfig {
        TransformerConfig(vocabularySize: vocabularySize, modelDimension: 128, heads: 4, ffnDimension: 512, encoderLayers: 2, decoderLayers: 2)
    }

    /// d 256, 4 heads, FFN 1024, 3+3 layers.
    public static func small(vocabularySize: Int) -> TransformerConfig {
        TransformerConfig(vocabularySize: vocabularySize, modelDimension: 256, heads: 4, ffnDimension: 1024, encoderLayers: 3, decoderLayers: 3)
    }

    /// fairseq's transformer_iwslt_de_en: d 512, 4 heads, FFN 1024, 6+6 layers.
    public static func iwslt(vocabularySize: Int) -> TransformerConfig {
        TransformerConfig(vocabularySize: vocabularySize, modelDimension: 512, heads: 4, ffnDimension: 1024, encoderLayers: 6, decoderLayers: 6)
    }

    public static let presetNames = ["tiny", "small", "iwslt"]

    public static func preset(_ name: String, vocabularySize: Int) throws -> TransformerConfig {
        switch name {
        case "tiny": return tiny(vocabularySize: vocabularySize)
        case "small": return small(vocabularySize: vocabularySize)
        case "iwslt": return iwslt(vocabularySize: vocabularySize)
        default: throw TransformerError.invalidConfig("unknown preset '\(name)' (known: \(presetNames.joined(separator: ", ")))")
        }
    }

    public var headDimension: Int { modelDimension / heads }

    /// Throws `TransformerError.invalidConfig` naming the first bad setting.
    public func validate() throws {
        func fail(_ s: String) throws -> Never { throw TransformerError.invalidConfig(s) }
        if vocabularySize < 4 { try fail("vocabularySize must be at least 4 (pad, <s>, </s>, one token), got \(vocabularySize)") }
        if heads < 1 { try fail("heads must be at least 1, got \(heads)") }
        if modelDimension < 4 || modelDimension % 2 != 0 { try fail("modelDimension must be even and at least 4 (sinusoidal positions), got \(modelDimension)") }
        if modelDimension % heads != 0 { try fail("modelDimension \(modelDimension) is not divisible by heads \(heads)") }
        if ffnDimension < 1 { try fail("ffnDimension must be positive, got \(ffnDimension)") }
        if encoderLayers < 1 { try fail("encoderLayers must be at least 1, got \(encoderLayers)") }
        if decoderLayers < 1 { try fail("decoderLayers must be at least 1, got \(decoderLayers)") }
        for (name, p) in [("dropout", dropout), ("attentionDropout", attentionDropout), ("reluDropout", reluDropout)] {
            if !(p >= 0 && p < 1) { try fail("\(name) must be in [0, 1), got \(p)") }
        }
        if maxPositions < 1 { try fail("maxPositions must be positive, got \(maxPositions)") }
        // Sizes are bounded before anything is allocated for them (a command-line typo or a
        // hostile model file must end in one line, not in an allocation failure).
        for (name, value, limit) in [("vocabularySize", vocabularySize, 1 << 24), ("modelDimension", modelDimension, 1 << 15),
                                     ("ffnDimension", ffnDimension, 1 << 17), ("heads", heads, 1 << 10), ("encoderLayers", encoderLayers, 1 << 10),
                                     ("decoderLayers", decoderLayers, 1 << 10), ("maxPositions", maxPositions, 1 << 20)] where value > limit {
            try fail("\(name) \(value) is over the limit of \(limit)")
        }
        let parameters = estimatedParameterCount
        if parameters > Double(Self.maxParameters) {
            try fail(String(format: "the model would have %.3g parameters (%.1f GB of weights), over the limit of %d", parameters, parameters * 4 / 1e9, Self.maxParameters))
        }
    }

    /// The most parameters a model may have: 4 GiB of float32 weights (training needs four
    /// times that, with gradients and Adam's moments).
    public static let maxParameters = 1 << 30

    /// The parameter count, in Double so that no size can overflow: embeddings, and per layer
    /// the attention projections, feed-forward layers and norms.
    public var estimatedParameterCount: Double {
        let d = Double(modelDimension), f = Double(ffnDimension)
        let attention = 4 * d * d + 4 * d, ffn = 2 * d * f + d + f, norm = 2 * d
        let encoder = Double(encoderLayers) * (attention + ffn + 2 * norm)
        let decoder = Double(decoderLayers) * (2 * attention + ffn + 3 * norm)
        return Double(vocabularySize) * d + encoder + decoder + 2 * norm
    }
}
