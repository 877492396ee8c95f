// Opt-in int8 decoding (`nmt translate --int8`): every matrix product of a decoder step — the
// self-attention q|k|v and output projections, the cross-attention query and output
// projections, both FFN layers and the output layer over the vocabulary — runs on int8
// weights (Tensor.Int8GEMM: a scale per weight row, activations quantized per row at each
// step). The encoder, the cross-attention keys/values computed once per sentence, the
// attention over the caches, layer norms and the log-softmax stay float32, as in
// CTranslate2's int8 mode the products are what costs.
import Tensor

/// The decoder's matrices of one model, quantized once (a few milliseconds) and shared by
/// every batch decoded with it. The weights are copied: later changes to the model's
/// parameters are not seen, so build a new one after loading other weights.
public final class Int8DecoderWeights: @unchecked Sendable {
    struct Layer {
        let selfQKV, selfOut, crossQuery, crossOut, fc1, fc2: Int8Matrix
    }
    let layers: [Layer]
    /// The output layer: the (tied) embedding [V, d], no bias.
    let output: Int8Matrix

    public init(model: TransformerModel) {
        let p = UnsafePointer(model.parameters.baseAddress!), d = model.config.modelDimension, f = model.config.ffnDimension
        layers = model.layout.decoderLayers.map { o in
            Layer(selfQKV: Int8Matrix(weight: p + o.selfAttention.qkvWeight, outputs: 3 * d, inputs: d, bias: p + o.selfAttention.qkvBias),
                  selfOut: Int8Matrix(weight: p + o.selfAttention.outWeight, outputs: d, inputs: d, bias: p + o.selfAttention.outBias),
                  // q rows come first in the fused q|k|v weight; k and v act on the encoder output, once.
                  crossQuery: Int8Matrix(weight: p + o.crossAttention.qkvWeight, outputs: d, inputs: d, bias: p + o.crossAttention.qkvBias),
                  crossOut: Int8Matrix(weight: p + o.crossAttention.outWeight, outputs: d, inputs: d, bias: p + o.crossAttention.outBias),
                  fc1: Int8Matrix(weight: p + o.feedForward.fc1Weight, outputs: f, inputs: d, bias: p + o.feedForward.fc1Bias),
                  fc2: Int8Matrix(weight: p + o.feedForward.fc2Weight, outputs: d, inputs: f, bias: p + o.feedForward.fc2Bias))
        }
        output = Int8Matrix(weight: p + model.layout.embedding, outputs: model.config.vocabularySize, inputs: d)
    }

    /// The CInt8 kernel decoding runs on this CPU ("vnni512", "avx2" or "baseline").
    public static var kernelName: String { Int8GEMM.Kernel.chosen.name }
}
