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
    let probs = Tensor(), probsDropped = Tensor(), context = Tensor()
    var input: UnsafeMutablePointer<Float>? = nil
    var memory: UnsafeMutablePointer<Float>? = nil
}

final class FeedForwardActivations {
    let hidden = Tensor(), hiddenDropped = Tensor()
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

/// Grows-only byte buffer for padding masks.
final class ByteBuffer {
    private(set) var pointer: UnsafeMutablePointer<UInt8> = .allocate(capacity: 1)
    private var capacity = 1
    func reserve(_ n: Int) {
        if n > capacity { pointer.deallocate(); pointer = .allocate(capacity: n); capacity = n }
    }
    deinit { pointer.deallocate() }
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
    /// Decoder rows that get logits: the non-pad targets (see TransformerModel.gatherOutputRows).
    let outputHidden = Tensor(), gradOutputHidden = Tensor()
    var outputTargets: [Int32] = []
    var outputRowIndex: [Int] = []
    var outputRowCount = 0
    // Gradient scratch, shared by all layers (the backward pass visits them one at a time).
    let gradA = Tensor(), gradB = Tensor(), gradSublayer = Tensor(), gradProjection = Tensor(), gradKeyValue = Tensor()
    let gradContext = Tensor(), gradHidden = Tensor(), gradProbs = Tensor(), gradMemory = Tensor()
    let ones = Tensor(), normScratch = Tensor(), lossScratch = Tensor()
    let sourcePad = ByteBuffer(), targetPad = ByteBuffer()

    init(config: TransformerConfig) {
        encoder = (0..<config.encoderLayers).map { _ in EncoderLayerActivations() }
        decoder = (0..<config.decoderLayers).map { _ in DecoderLayerActivations() }
    }

    /// Sizes every buffer for a batch of B sentences, S source and T target positions.
    func reserve(config c: TransformerConfig, batch b: Int, source s: Int, target t: Int, training: Bool) {
        let d = c.modelDimension, f = c.ffnDimension, h = c.heads
        let ns = b * s, nt = b * t, nmax = max(ns, nt)
        let keepDropped = training
        for a in encoder {
            a.attentionBlock.reserve(rows: ns, d: d)
            a.feedForwardBlock.reserve(rows: ns, d: d)
            a.attention.projection.resize([ns, 3 * d])
            a.attention.probs.resize([b, h, s, s])
            if keepDropped && c.attentionDropout > 0 { a.attention.probsDropped.resize([b, h, s, s]) }
            a.attention.context.resize([ns, d])
            a.feedForward.hidden.resize([ns, f])
            if keepDropped && c.reluDropout > 0 { a.feedForward.hiddenDropped.resize([ns, f]) }
        }
        for a in decoder {
            a.selfBlock.reserve(rows: nt, d: d)
            a.crossBlock.reserve(rows: nt, d: d)
            a.feedForwardBlock.reserve(rows: nt, d: d)
            a.selfAttention.projection.resize([nt, 3 * d])
            a.selfAttention.probs.resize([b, h, t, t])
            if keepDropped && c.attentionDropout > 0 { a.selfAttention.probsDropped.resize([b, h, t, t]) }
            a.selfAttention.context.resize([nt, d])
            a.crossAttention.projection.resize([nt, d])
            a.crossAttention.keyValue.resize([ns, 2 * d])
            a.crossAttention.probs.resize([b, h, t, s])
            if keepDropped && c.attentionDropout > 0 { a.crossAttention.probsDropped.resize([b, h, t, s]) }
            a.crossAttention.context.resize([nt, d])
            a.feedForward.hidden.resize([nt, f])
            if keepDropped && c.reluDropout > 0 { a.feedForward.hiddenDropped.resize([nt, f]) }
        }
        if c.normalizeBefore {
            encoderFinal.reserve(rows: ns, d: d)
            decoderFinal.reserve(rows: nt, d: d)
        }
        sublayerOut.resize([nmax, d])
        encoderEmbedding.resize([ns, d])
        decoderEmbedding.resize([nt, d])
        outputHidden.resize([nt, d])
        if training { gradOutputHidden.resize([nt, d]) }
        sourcePad.reserve(ns)
        targetPad.reserve(nt)
        if training {
            gradA.resize([nmax, d]); gradB.resize([nmax, d]); gradSublayer.resize([nmax, d])
            gradProjection.resize([nmax, 3 * d]); gradKeyValue.resize([ns, 2 * d])
            gradContext.resize([nmax, d]); gradHidden.resize([nmax, f]); gradMemory.resize([ns, d])
            gradProbs.resize([b * h * max(s, t) * max(s, t)])
            if ones.count < nmax {
                ones.resize([nmax])
                ones.fill(1)
            }
        }
    }
}
