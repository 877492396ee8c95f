import Tensor
import Transformer

/// The Transformer as the trainer sees it. Sources get `</s>` appended (fairseq's
/// convention); targets become `<s> y` → `y </s>` inside `Batch(pairs:)`.
extension TransformerModel: TrainableModel {
    func batch(_ pairs: [Batcher.Pair]) throws -> Batch {
        try Batch(pairs: pairs.map { (source: $0.source + [TransformerConfig.eosId], target: $0.target) })
    }

    public func forwardBackward(_ batch: [Batcher.Pair], labelSmoothing: Double, dropoutKey: UInt64) throws -> LossSums {
        try forwardBackward(self.batch(batch), labelSmoothing: Float(labelSmoothing), dropoutSeed: dropoutKey)
    }

    public var parameterGroups: [ParameterGroup] {
        ParameterGroup.grouping(parameterTensors.map { (name: $0.name, offset: $0.offset, count: $0.count) })
    }

    public func evaluate(_ batch: [Batcher.Pair], labelSmoothing: Double) throws -> LossSums {
        try loss(self.batch(batch), labelSmoothing: Float(labelSmoothing))
    }
}
