// All parameters live in ONE flat Float buffer (llm.c's ParameterTensors); gradients in a
// second buffer with the same layout. This file fixes the order, names and shapes.
//
// Names follow fairseq (docs/safetensors.md). Within an attention module the q, k and v
// projection weights are adjacent, then their biases, so [q;k;v] is one [3d, d] matrix and
// self-attention projects with a single GEMM (cross-attention: [k;v] is one [2d, d] matrix).
// The token embedding is shared by encoder, decoder and the output projection.

public struct ParameterInfo: Equatable, Sendable {
    public let name: String
    public let offset: Int
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }
}

/// Offsets (into the flat buffer) of one layer norm.
public struct LayerNormOffsets: Sendable { public var weight = 0, bias = 0 }

/// Offsets of one attention module; `qkvWeight` is [3d, d] (q rows first), `qkvBias` [3d].
public struct AttentionOffsets: Sendable { public var qkvWeight = 0, qkvBias = 0, outWeight = 0, outBias = 0 }

public struct FeedForwardOffsets: Sendable { public var fc1Weight = 0, fc1Bias = 0, fc2Weight = 0, fc2Bias = 0 }

public struct EncoderLayerOffsets: Sendable {
    public var selfAttention = AttentionOffsets(), selfAttentionNorm = LayerNormOffsets()
    public var feedForward = FeedForwardOffsets(), finalNorm = LayerNormOffsets()
}

public struct DecoderLayerOffsets: Sendable {
    public var selfAttention = AttentionOffsets(), selfAttentionNorm = LayerNormOffsets()
    public var crossAttention = AttentionOffsets(), crossAttentionNorm = LayerNormOffsets()
    public var feedForward = FeedForwardOffsets(), finalNorm = LayerNormOffsets()
}

public struct ParameterLayout: Sendable {
    public private(set) var tensors: [ParameterInfo] = []
    public private(set) var count = 0
    public private(set) var embedding = 0
    public private(set) var encoderLayers: [EncoderLayerOffsets] = []
    public private(set) var decoderLayers: [DecoderLayerOffsets] = []
    public private(set) var encoderNorm: LayerNormOffsets? = nil
    public private(set) var decoderNorm: LayerNormOffsets? = nil

    public init(config c: TransformerConfig) {
        let d = c.modelDimension, f = c.ffnDimension
        embedding = add("encoder.embed_tokens.weight", [c.vocabularySize, d])
        for i in 0..<c.encoderLayers {
            let p = "encoder.layers.\(i)."
            var l = EncoderLayerOffsets()
            l.selfAttention = addAttention(p + "self_attn.", d)
            l.selfAttentionNorm = addNorm(p + "self_attn_layer_norm", d)
            l.feedForward = addFeedForward(p, d, f)
            l.finalNorm = addNorm(p + "final_layer_norm", d)
            encoderLayers.append(l)
        }
        if c.normalizeBefore { encoderNorm = addNorm("encoder.layer_norm", d) }
        for i in 0..<c.decoderLayers {
            let p = "decoder.layers.\(i)."
            var l = DecoderLayerOffsets()
            l.selfAttention = addAttention(p + "self_attn.", d)
            l.selfAttentionNorm = addNorm(p + "self_attn_layer_norm", d)
            l.crossAttention = addAttention(p + "encoder_attn.", d)
            l.crossAttentionNorm = addNorm(p + "encoder_attn_layer_norm", d)
            l.feedForward = addFeedForward(p, d, f)
            l.finalNorm = addNorm(p + "final_layer_norm", d)
            decoderLayers.append(l)
        }
        if c.normalizeBefore { decoderNorm = addNorm("decoder.layer_norm", d) }
    }

    public func info(named name: String) -> ParameterInfo? { tensors.first { $0.name == name } }

    private mutating func add(_ name: String, _ shape: [Int]) -> Int {
        let offset = count
        tensors.append(ParameterInfo(name: name, offset: offset, shape: shape))
        count += shape.reduce(1, *)
        return offset
    }

    private mutating func addNorm(_ prefix: String, _ d: Int) -> LayerNormOffsets {
        LayerNormOffsets(weight: add(prefix + ".weight", [d]), bias: add(prefix + ".bias", [d]))
    }

    private mutating func addAttention(_ p: String, _ d: Int) -> AttentionOffsets {
        var a = AttentionOffsets()
        a.qkvWeight = add(p + "q_proj.weight", [d, d])
        _ = add(p + "k_proj.weight", [d, d])
        _ = add(p + "v_proj.weight", [d, d])
        a.qkvBias = add(p + "q_proj.bias", [d])
        _ = add(p + "k_proj.bias", [d])
        _ = add(p + "v_proj.bias", [d])
        a.outWeight = add(p + "out_proj.weight", [d, d])
        a.outBias = add(p + "out_proj.bias", [d])
        return a
    }

    private mutating func addFeedForward(_ p: String, _ d: Int, _ f: Int) -> FeedForwardOffsets {
        FeedForwardOffsets(fc1Weight: add(p + "fc1.weight", [f, d]), fc1Bias: add(p + "fc1.bias", [f]),
                           fc2Weight: add(p + "fc2.weight", [d, f]), fc2Bias: add(p + "fc2.bias", [d]))
    }
}
