import Tensor

/// Every dropout mask of one pass, built once before the forward pass and handed to the
/// backward pass, so the two cannot disagree on a site. Masks are counter-based: each is a
/// pure function of (seed, site), so nothing is stored per element. Not training: every
/// mask is inactive.
struct StepDropout {
    /// The masks of one layer, by site.
    struct Layer {
        var selfResidual: DropoutMask
        var selfProbs: DropoutMask
        var crossResidual: DropoutMask
        var crossProbs: DropoutMask
        var reluHidden: DropoutMask
        var ffnResidual: DropoutMask
    }

    var encoderEmbedding: DropoutMask
    var decoderEmbedding: DropoutMask
    var encoder: [Layer]
    var decoder: [Layer]

    static let none = DropoutMask(probability: 0, seed: 0, step: 0, site: 0)

    init(config: TransformerConfig, training: Bool, seed: UInt64) {
        // Site numbers: stack 0 = encoder, 1 = decoder. The step is always 0: the trainer
        // folds the update into `seed` (Trainer.dropoutKey).
        func mask(_ p: Float, stack: Int, layer: Int, _ kind: Int) -> DropoutMask {
            DropoutMask(probability: training ? p : 0, seed: seed, step: 0, site: UInt64(1 + stack * 1_000_000 + layer * 100 + kind))
        }
        func layer(stack: Int, _ l: Int) -> Layer {
            Layer(selfResidual: mask(config.dropout, stack: stack, layer: l, 1),
                  selfProbs: mask(config.attentionDropout, stack: stack, layer: l, 2),
                  crossResidual: mask(config.dropout, stack: stack, layer: l, 5),
                  crossProbs: mask(config.attentionDropout, stack: stack, layer: l, 6),
                  reluHidden: mask(config.reluDropout, stack: stack, layer: l, 3),
                  ffnResidual: mask(config.dropout, stack: stack, layer: l, 4))
        }
        encoderEmbedding = mask(config.dropout, stack: 0, layer: 0, 0)
        decoderEmbedding = mask(config.dropout, stack: 1, layer: 0, 0)
        encoder = (0..<config.encoderLayers).map { layer(stack: 0, $0) }
        decoder = (0..<config.decoderLayers).map { layer(stack: 1, $0) }
    }

    /// The masks of a pass without dropout (evaluation, decoding).
    static func inactive(_ config: TransformerConfig) -> StepDropout { StepDropout(config: config, training: false, seed: 0) }
}
