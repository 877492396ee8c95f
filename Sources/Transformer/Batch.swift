// A training/evaluation batch: padded id matrices, row-major.
//
//   source        [B, S]  source ids, padded with 0 (right padding expected)
//   targetInput   [B, T]  <s>=1 followed by the target ids (teacher forcing input)
//   targetOutput  [B, T]  the target ids followed by </s>=2 (what the decoder must predict)
// Pad id is 0 everywhere; a target position whose targetOutput is 0 is ignored by the loss.
// Rows are right-padded (checked by `validate`): the model computes nothing for a pad.
public struct Batch: Sendable {
    public let size: Int
    public let sourceLength: Int
    public let targetLength: Int
    public let source: [Int32]
    public let targetInput: [Int32]
    public let targetOutput: [Int32]
    /// Non-pad tokens in `source` and in `targetOutput` (the loss's token count).
    public let sourceTokens: Int
    public let targetTokens: Int

    /// Checks that every array has the declared shape.
    public init(size: Int, sourceLength: Int, targetLength: Int, source: [Int32], targetInput: [Int32], targetOutput: [Int32]) throws {
        guard size > 0, sourceLength > 0, targetLength > 0 else {
            throw TransformerError.invalidBatch("empty batch shape [B=\(size), S=\(sourceLength), T=\(targetLength)]")
        }
        guard source.count == size * sourceLength else {
            throw TransformerError.invalidBatch("source has \(source.count) ids, expected B×S = \(size)×\(sourceLength)")
        }
        guard targetInput.count == size * targetLength else {
            throw TransformerError.invalidBatch("targetInput has \(targetInput.count) ids, expected B×T = \(size)×\(targetLength)")
        }
        guard targetOutput.count == size * targetLength else {
            throw TransformerError.invalidBatch("targetOutput has \(targetOutput.count) ids, expected B×T = \(size)×\(targetLength)")
        }
        self.size = size
        self.sourceLength = sourceLength
        self.targetLength = targetLength
        self.source = source
        self.targetInput = targetInput
        self.targetOutput = targetOutput
        self.sourceTokens = source.reduce(0) { $0 + ($1 == TransformerConfig.padId ? 0 : 1) }
        self.targetTokens = targetOutput.reduce(0) { $0 + ($1 == TransformerConfig.padId ? 0 : 1) }
    }

    /// Builds a batch from sentence pairs (ids without <s>/</s>): targetInput = <s> + target,
    /// targetOutput = target + </s>, both right-padded to the longest.
    public init(pairs: [(source: [Int32], target: [Int32])]) throws {
        guard !pairs.isEmpty else { throw TransformerError.invalidBatch("no sentence pairs") }
        let b = pairs.count
        let s = pairs.map { $0.source.count }.max()!
        let t = pairs.map { $0.target.count + 1 }.max()!
        guard s > 0 else { throw TransformerError.invalidBatch("every source sentence is empty") }
        var src = [Int32](repeating: TransformerConfig.padId, count: b * s)
        var tin = [Int32](repeating: TransformerConfig.padId, count: b * t)
        var tout = [Int32](repeating: TransformerConfig.padId, count: b * t)
        for (r, pair) in pairs.enumerated() {
            guard !pair.source.isEmpty else { throw TransformerError.invalidBatch("source sentence \(r) is empty") }
            for (i, id) in pair.source.enumerated() { src[r * s + i] = id }
            tin[r * t] = TransformerConfig.bosId
            for (i, id) in pair.target.enumerated() {
                tin[r * t + i + 1] = id
                tout[r * t + i] = id
            }
            tout[r * t + pair.target.count] = TransformerConfig.eosId
        }
        try self.init(size: b, sourceLength: s, targetLength: t, source: src, targetInput: tin, targetOutput: tout)
    }

    /// Throws `tokenOutOfRange` for the first id outside 0..<vocabularySize.
    public func validate(vocabularySize v: Int, maxPositions: Int) throws {
        if sourceLength > maxPositions || targetLength > maxPositions {
            throw TransformerError.invalidBatch("sequence length (source \(sourceLength), target \(targetLength)) exceeds maxPositions \(maxPositions)")
        }
        for (name, ids, len) in [("source", source, sourceLength), ("targetInput", targetInput, targetLength), ("targetOutput", targetOutput, targetLength)] {
            for (i, id) in ids.enumerated() where id < 0 || Int(id) >= v {
                throw TransformerError.tokenOutOfRange(tensor: name, row: i / len, position: i % len, id: id, vocabularySize: v)
            }
        }
        // The passes run on the real tokens only (SequencePacking): a row's tokens must come
        // before its padding, and every target predicted must have a decoder input.
        try SequencePacking.checkRightPadded(source, rows: size, length: sourceLength, name: "source")
        try SequencePacking.checkRightPadded(targetInput, rows: size, length: targetLength, name: "targetInput")
        for i in 0..<targetOutput.count where targetOutput[i] != TransformerConfig.padId && targetInput[i] == TransformerConfig.padId {
            throw TransformerError.invalidBatch("targetOutput row \(i / targetLength) has a token at position \(i % targetLength), where targetInput is padding")
        }
    }
}
