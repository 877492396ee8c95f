// The Transformer (Vaswani et al. 2017) as fairseq builds it: parameters, initialization
// and the flat buffers. The forward/backward pass is in TrainingStep.swift and
// Sublayers.swift, incremental decoding in IncrementalDecoding.swift, files in
// SafeTensorsModel.swift.
//
// Not thread-safe: one model runs one step at a time (it owns its workspace).
import Tensor

public final class TransformerModel {
    public let config: TransformerConfig
    public let layout: ParameterLayout
    /// All parameters, in `layout` order.
    public let parameters: UnsafeMutableBufferPointer<Float>
    /// Gradients, same layout as `parameters`; `forwardBackward` accumulates into it.
    public let gradients: UnsafeMutableBufferPointer<Float>
    /// Sinusoidal table [(maxPositions + 1), d], row 0 (the pad) zero.
    let positions: [Float]
    let workspace: TrainingWorkspace
    var embedScale: Float { Float(config.modelDimension).squareRoot() }

    public var parameterCount: Int { layout.count }
    /// (name, offset, shape) of every parameter tensor.
    public var parameterTensors: [ParameterInfo] { layout.tensors }

    /// A model with fairseq-style random initialization, deterministic from `seed`.
    public init(config: TransformerConfig, seed: UInt64 = 1) throws {
        try config.validate()
        self.config = config
        self.layout = ParameterLayout(config: config)
        parameters = .allocate(capacity: layout.count)
        parameters.initialize(repeating: 0)
        gradients = .allocate(capacity: layout.count)
        gradients.initialize(repeating: 0)
        positions = EmbeddingKernels.sinusoidalTable(count: config.maxPositions + 1, columns: config.modelDimension, padIndex: Int(TransformerConfig.padId))
        workspace = TrainingWorkspace(config: config)
        initializeParameters(seed: seed)
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
    }

    public func zeroGradients() { gradients.update(repeating: 0) }

    /// Parameter values of one tensor (a view into `parameters`).
    public func parameter(named name: String) -> UnsafeMutableBufferPointer<Float>? {
        layout.info(named: name).map { UnsafeMutableBufferPointer(rebasing: parameters[$0.offset..<($0.offset + $0.count)]) }
    }

    public func gradient(named name: String) -> UnsafeMutableBufferPointer<Float>? {
        layout.info(named: name).map { UnsafeMutableBufferPointer(rebasing: gradients[$0.offset..<($0.offset + $0.count)]) }
    }

    /// fairseq's initialization: embeddings N(0, d^-1/2) with the pad row zero; q/k/v
    /// Xavier-uniform with gain 1/√2 (fairseq MultiheadAttention), all other projections
    /// Xavier-uniform; biases 0; layer norms weight 1, bias 0.
    public func initializeParameters(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let p = parameters.baseAddress!
        let d = config.modelDimension
        for t in layout.tensors {
            let x = p + t.offset
            let name = t.name
            if name.hasSuffix("embed_tokens.weight") {
                let std = 1 / Double(d).squareRoot()
                for i in 0..<t.count { x[i] = Float(rng.normal() * std) }
                x.update(repeating: 0, count: d)  // pad id 0
            } else if name.hasSuffix("layer_norm.weight") {
                x.update(repeating: 1, count: t.count)
            } else if name.hasSuffix(".bias") {
                x.update(repeating: 0, count: t.count)
            } else {
                let gain = (name.hasSuffix("q_proj.weight") || name.hasSuffix("k_proj.weight") || name.hasSuffix("v_proj.weight")) ? 1 / 2.0.squareRoot() : 1
                let bound = gain * (6.0 / Double(t.shape[0] + t.shape[1])).squareRoot()
                for i in 0..<t.count { x[i] = Float((rng.uniform() * 2 - 1) * bound) }
            }
        }
    }

    /// GEMM floating-point operations (2 per multiply-add) of one forward+backward over
    /// sentence pairs of these real lengths (target lengths count </s>): forward + 2× for the
    /// backward GEMMs. Since the passes run on real tokens only, this is also what they
    /// execute; pass padded lengths to count what a padded implementation would.
    public func gemmFlops(sourceLengths: [Int], targetLengths: [Int]) -> Double {
        precondition(sourceLengths.count == targetLengths.count)
        let d = Double(config.modelDimension), f = Double(config.ffnDimension), v = Double(config.vocabularySize)
        var enc = 0.0, dec = 0.0, nt = 0.0
        for (ls, lt) in zip(sourceLengths.map(Double.init), targetLengths.map(Double.init)) {
            enc += ls * (4 * d * d + 2 * d * f) + 2 * ls * ls * d
            dec += lt * (4 * d * d + 2 * d * d + 2 * d * f) + ls * 2 * d * d + 2 * lt * lt * d + 2 * lt * ls * d
            nt += lt
        }
        let forward = 2 * (Double(config.encoderLayers) * enc + Double(config.decoderLayers) * dec + nt * d * v)
        return 3 * forward
    }
}
#if canImport(Glibc)
import Glibc
#endif
