// Activation and gradient buffers of a training step, sized per batch shape and reused
// (Tensor.resize grows only, so batches of the same or smaller shape never allocate).
import Tensor

/// One residual sub-layer (attention or FFN) with its layer norm.
/// post-norm: out = LN(input + dropout(F(input)))    — `sum` is the LN input, `lnOut` the output
/// pre-norm:  out = input + dropout(F(LN(input)))    — `lnOut` feeds F, `sum` is the output
/// F(·) itself is not kept (the backward pass needs only the dropout mask, which it
/// recomputes): it goes to the workspace's shared `sublayerOut`.
final class ResidualBlockActivations {
    let sum = Tensor(), lnOut = Tensor(), mean = Tensor(), rstd = Tensor()
    var input: UnsafeMutablePointer<Float>? = nil

    func reserve(rows: Int, d: Int) {
        sum.resize([rows, d]); lnOut.resize([rows, d])
        mean.resize([rows]); rstd.resize([rows])
    }
}

final class AttentionActivations {
    /// self-attention: fused q|k|v [N, 3d]; cross-attention: q [Nt, d].
    let projection = Tensor()
    /// cross-attention only: fused k|v of the encoder output [Ns, 2d].
    let keyValue = Tensor()
    let probs = Tensor(), probsDropped = Tensor()
    /// Decoding only: the training passes share the workspace's `context` (rebuilt in backward).
    let context = Tensor()
    var input: UnsafeMutablePointer<Float>? = nil
    var memory: UnsafeMutablePointer<Float>? = nil
}

final class FeedForwardActivations {
    /// Past the ReLU, before its dropout.
    let hidden = Tensor()
    var input: UnsafeMutablePointer<Float>? = nil
}

final class EncoderLayerActivations {
    let attentionBlock = ResidualBlockActivations(), attention = AttentionActivations()
    let feedForwardBlock = ResidualBlockActivations(), feedForward = FeedForwardActivations()
}

final class DecoderLayerActivations {
    let selfBlock = ResidualBlockActivations(), selfAttention = AttentionActivations()
    let crossBlock = ResidualBlockActivations(), crossAttention = AttentionActivations()
    let feedForwardBlock = ResidualBlockActivations(), feedForward = FeedForwardActivations()
}

/// A stack-final layer norm (pre-norm only).
final class FinalNormActivations {
    let out = Tensor(), mean = Tensor(), rstd = Tensor()
    var input: UnsafeMutablePointer<Float>? = nil
    func reserve(rows: Int, d: Int) { out.resize([rows, d]); mean.resize([rows]); rstd.resize([rows]) }
}

final class TrainingWorkspace {
    var encoder: [EncoderLayerActivations] = []
    var decoder: [DecoderLayerActivations] = []
    let encoderFinal = FinalNormActivations(), decoderFinal = FinalNormActivations()
    let encoderEmbedding = Tensor(), decoderEmbedding = Tensor()
    /// One block of logits [outputBlockRows, V] (see TransformerModel.outputLayer).
    let logits = Tensor()
    /// Rows per output-layer block; nil = about 2M logits (8 MB). Tests set it small.
    var outputBlockRowsOverride: Int? = nil
    func outputBlockRows(vocabulary v: Int) -> Int { max(1, outputBlockRowsOverride ?? max(64, (1 << 21) / max(1, v))) }
    /// A sub-layer's output before its residual add, shared by all blocks.
    let sublayerOut = Tensor()
    /// An attention's context Pd·V, shared by all layers (rebuilt in backward).
    let context = Tensor()
    /// The FFN's hidden layer after ReLU dropout, shared by all layers (rebuilt in backward).
    let hiddenDropped = Tensor()
    /// Decoder rows that get logits: the non-pad targets (see TransformerModel.gatherOutputRows).
    let outputHidden = Tensor(), gradOutputHidden = Tensor()
    var outputTargets: [Int32] = []
    var outputRowIndex: [Int] = []
    var outputRowCount = 0
    // Gradient scratch, shared by all layers (the backward pass visits them one at a time).
    let gradA = Tensor(), gradB = Tensor(), gradSublayer = Tensor()
    let gradContext = Tensor(), gradProbs = Tensor(), gradMemory = Tensor()
    /// One buffer for the gradients that live only inside one sub-layer's backward, never two
    /// at once: ∂q|k|v of a self-attention [N, 3d]; ∂q [Nt, d] then ∂k|v [Ns, 2d] of a
    /// cross-attention; ∂hidden [N, F] of an FFN.
    let subLayerGradients = Tensor()
    var gradProjection: UnsafeMutablePointer<Float> { subLayerGradients.pointer }
    var gradHidden: UnsafeMutablePointer<Float> { subLayerGradients.pointer }
    func gradKeyValue(afterQueries targetTokens: Int, d: Int) -> UnsafeMutablePointer<Float> { subLayerGradients.pointer + targetTokens * d }
    let ones = Tensor(), normScratch = Tensor(), lossScratch = Tensor()

    init(config: TransformerConfig) {
        encoder = (0..<config.encoderLayers).map { _ in EncoderLayerActivations() }
        decoder = (0..<config.decoderLayers).map { _ in DecoderLayerActivations() }
    }

    /// A [rows, columns] scratch for the decoder's cross-attention k|v at the start of
    /// decoding (the first decoder layer's training buffer, unused while decoding).
    func crossAttentionScratch(rows: Int, columns: Int) -> UnsafeMutablePointer<Float> {
        let t = decoder.isEmpty ? sublayerOut : decoder[0].crossAttention.keyValue
        t.resize([rows, columns])
        return t.pointer
    }

    /// Sizes every buffer for one packed batch.
    func reserve(config c: TransformerConfig, _ packing: BatchPacking, training: Bool) {
        let source = packing.source, target = packing.target, h = c.heads
        reserve(config: c, sourceTokens: source.tokens, targetTokens: target.tokens, encoderScores: source.scoreCount(heads: h, keys: source),
                decoderScores: target.scoreCount(heads: h, keys: target), crossScores: target.scoreCount(heads: h, keys: source), training: training)
    }

    /// Sizes every buffer for `sourceTokens` and `targetTokens` real tokens and the given
    /// numbers of attention scores (Σ over sentences of H·Tq·Tk).
    func reserve(config c: TransformerConfig, sourceTokens ns: Int, targetTokens nt: Int,
                 encoderScores: Int, decoderScores: Int, crossScores: Int, training: Bool) {
        let d = c.modelDimension, f = c.ffnDimension
        let nmax = max(ns, nt, 1)
        let keepDropped = training
        for a in encoder {
            a.attentionBlock.reserve(rows: ns, d: d)
            a.feedForwardBlock.reserve(rows: ns, d: d)
            a.attention.projection.resize([ns, 3 * d])
            a.attention.probs.resize([encoderScores])
            if keepDropped && c.attentionDropout > 0 { a.attention.probsDropped.resize([encoderScores]) }
            a.feedForward.hidden.resize([ns, f])
        }
        for a in decoder {
            a.selfBlock.reserve(rows: nt, d: d)
            a.crossBlock.reserve(rows: nt, d: d)
            a.feedForwardBlock.reserve(rows: nt, d: d)
            a.selfAttention.projection.resize([nt, 3 * d])
            a.selfAttention.probs.resize([decoderScores])
            if keepDropped && c.attentionDropout > 0 { a.selfAttention.probsDropped.resize([decoderScores]) }
            a.crossAttention.projection.resize([nt, d])
            a.crossAttention.keyValue.resize([ns, 2 * d])
            a.crossAttention.probs.resize([crossScores])
            if keepDropped && c.attentionDropout > 0 { a.crossAttention.probsDropped.resize([crossScores]) }
            a.feedForward.hidden.resize([nt, f])
        }
        if c.normalizeBefore {
            encoderFinal.reserve(rows: ns, d: d)
            decoderFinal.reserve(rows: nt, d: d)
        }
        sublayerOut.resize([nmax, d])
        context.resize([nmax, d])
        if keepDropped && c.reluDropout > 0 { hiddenDropped.resize([nmax, f]) }
        encoderEmbedding.resize([ns, d])
        decoderEmbedding.resize([nt, d])
        if training {
            gradA.resize([nmax, d]); gradB.resize([nmax, d]); gradSublayer.resize([nmax, d])
            subLayerGradients.resize([max(nmax * 3 * d, nt * d + ns * 2 * d, nmax * f)])
            gradContext.resize([nmax, d]); gradMemory.resize([ns, d])
            gradProbs.resize([max(encoderScores, decoderScores, crossScores, 1)])
            if ones.count < nmax {
                ones.resize([nmax])
                ones.fill(1)
            }
        }
    }
}
