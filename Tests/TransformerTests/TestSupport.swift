import Foundation
import TestSupport
@testable import Transformer

enum TransformerFixtures {
    static func transformer(_ name: String) -> URL { Fixtures.url("transformer/\(name)") }
}

/// Max over elements of |a-b| / max(|b|, floor), floor = 1% of the tensor's largest |b|
/// and at least 1e-3 (relative for the significant entries, absolute for tiny ones such as
/// the key-bias gradients, which are exactly zero in exact arithmetic: softmax ignores a
/// per-row constant).
func maxRelativeError(_ a: [Float], _ b: [Float]) -> (relative: Double, absolute: Double) {
    precondition(a.count == b.count)
    let scale = b.map { abs(Double($0)) }.max() ?? 0
    let floor = max(scale * 1e-2, 1e-3)
    var rel = 0.0, absErr = 0.0
    for i in 0..<a.count {
        let diff = abs(Double(a[i]) - Double(b[i]))
        absErr = max(absErr, diff)
        rel = max(rel, diff / max(abs(Double(b[i])), floor))
    }
    return (rel, absErr)
}

func tinyConfig(normalizeBefore: Bool = false, dropout: Float = 0) -> TransformerConfig {
    TransformerConfig(vocabularySize: 23, modelDimension: 8, heads: 2, ffnDimension: 12, encoderLayers: 2, decoderLayers: 2,
                      dropout: dropout, attentionDropout: dropout, reluDropout: dropout, normalizeBefore: normalizeBefore, maxPositions: 32)
}

func smallBatch() throws -> Batch {
    try Batch(pairs: [
        (source: [5, 9, 14, 3, 7], target: [4, 8, 11]),
        (source: [6, 12], target: [20, 3, 9, 15, 10]),
        (source: [21, 4, 4, 17], target: [13]),
    ])
}
