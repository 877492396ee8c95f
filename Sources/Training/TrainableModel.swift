import Tensor

/// What the training loop needs from a model: flat parameter and gradient buffers (one
/// optimizer loop over all of them) and a fused forward+backward over a batch of pairs.
/// The Transformer implements it; tests use a small analytic model.
public protocol TrainableModel: AnyObject {
    var parameterCount: Int { get }
    /// All parameters, one flat buffer (llm.c layout).
    var parameters: UnsafeMutableBufferPointer<Float> { get }
    /// Gradients, same layout; `forwardBackward` accumulates into it.
    var gradients: UnsafeMutableBufferPointer<Float> { get }
    func zeroGradients()
    /// Label-smoothed loss of the batch with dropout keyed by `dropoutKey`; accumulates the
    /// gradient of the summed loss. Returns sums over target tokens, not means.
    func forwardBackward(_ batch: [Batcher.Pair], labelSmoothing: Double, dropoutKey: UInt64) throws -> LossSums
    /// The same loss without dropout and without gradients (validation).
    func evaluate(_ batch: [Batcher.Pair], labelSmoothing: Double) throws -> LossSums
    /// The groups the diagnostics report on (default: all parameters as one group).
    var parameterGroups: [ParameterGroup] { get }
}

extension TrainableModel {
    public var parameterGroups: [ParameterGroup] { [ParameterGroup(name: "parameters", ranges: [0..<parameterCount])] }
}
