// Whole-model gradient checks by central finite differences, per parameter tensor, with
// dropout ON (the masks are a function of (seed, step), so the loss is a deterministic
// function of the parameters), so this also proves forward and backward use the same masks.
import Testing
@testable import Transformer

/// Directional check: for a unit direction u restricted to one tensor, compare
/// (L(θ+hu) - L(θ-hu)) / 2h with g·u, for three random unit directions per tensor. (The
/// gradient's own direction is a poor choice: moving along it changes many ReLU inputs at
/// once and crosses kinks; measured errors there were several % while random directions
/// agree to ~1e-4.) The error is relative to |g·u| with a floor of 1% of |g| plus 1e-2
/// (Float32 loss noise over 2h). A step that moves a ReLU input across zero spoils a central
/// difference (measured: the error shrinks with h, 0.72 → 0.63 → 0.559 vs 0.560), so the best
/// of two steps counts. The precise check is PyTorchEquivalenceTests (1e-4 vs float64 autograd).
func directionalErrors(_ model: TransformerModel, _ batch: Batch, tensor t: ParameterInfo, gradient g: [Float], seed: UInt64, steps: [Double] = [3e-3, 1e-3]) throws -> [Double] {
    var rng = SplitMix64(seed: seed)
    let gNorm = (g[t.offset..<(t.offset + t.count)].map { Double($0) * Double($0) }.reduce(0, +)).squareRoot()
    var directions: [[Double]] = []
    for _ in 0..<3 {
        let r = (0..<t.count).map { _ in rng.normal() }
        let rNorm = (r.map { $0 * $0 }.reduce(0, +)).squareRoot()
        directions.append(r.map { $0 / rNorm })
    }
    var errors: [Double] = []
    let p = model.parameters.baseAddress! + t.offset
    let saved = Array(UnsafeBufferPointer(start: p, count: t.count))
    for u in directions {
        func lossAt(_ scale: Double) throws -> Double {
            for i in 0..<t.count { p[i] = Float(Double(saved[i]) + scale * u[i]) }
            model.zeroGradients()
            return try model.forwardBackward(batch, labelSmoothing: 0.1, dropoutSeed: 9, step: 4).loss
        }
        var analytic = 0.0
        for i in 0..<t.count { analytic += Double(g[t.offset + i]) * u[i] }
        var best = Double.infinity
        for h in steps {
            let fd = (try lossAt(h) - lossAt(-h)) / (2 * h)
            best = min(best, abs(fd - analytic) / (abs(analytic) + 1e-2 * gNorm + 1e-2))
        }
        for i in 0..<t.count { p[i] = saved[i] }
        errors.append(best)
    }
    return errors
}

@Suite struct ModelGradientTests {
    @Test(arguments: [false, true])
    func everyParameterTensorPassesFiniteDifferences(preNorm: Bool) throws {
        let model = try TransformerModel(config: tinyConfig(normalizeBefore: preNorm, dropout: 0.1), seed: 5)
        let batch = try smallBatch()
        model.zeroGradients()
        _ = try model.forwardBackward(batch, labelSmoothing: 0.1, dropoutSeed: 9, step: 4)
        let g = Array(model.gradients)
        var worst = 0.0, worstName = ""
        for (i, t) in model.parameterTensors.enumerated() {
            let e = try directionalErrors(model, batch, tensor: t, gradient: g, seed: UInt64(i)).max()!
            if e > worst { worst = e; worstName = t.name }
            #expect(e < 3e-2, "finite differences disagree for \(t.name): \(e)")
        }
        print("model finite differences (preNorm \(preNorm)): worst \(worst) at \(worstName)")
    }

    @Test func theModelCheckCatchesAWrongGradient() throws {
        let model = try TransformerModel(config: tinyConfig(), seed: 5)
        let batch = try smallBatch()
        model.zeroGradients()
        _ = try model.forwardBackward(batch, labelSmoothing: 0.1, dropoutSeed: 9, step: 4)
        var g = Array(model.gradients)
        let t = model.layout.info(named: "decoder.layers.1.fc1.weight")!
        for i in t.offset..<(t.offset + t.count) where i % 3 == 0 { g[i] = -g[i] }
        #expect(try directionalErrors(model, batch, tensor: t, gradient: g, seed: 1).max()! > 3e-2)
    }
}
