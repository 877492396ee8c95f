import Testing
@testable import Optim

struct StateAndClippingTests {
    func run(_ optimizer: inout any Optimizer, _ params: inout [Float], steps: Range<Int>) {
        for t in steps {
            let g = (0..<params.count).map { Float(sin(Double($0 * 7 + t))) }
            _ = g.withUnsafeBufferPointer { gp in params.withUnsafeMutableBufferPointer { optimizer.update(parameters: $0, gradients: gp, lr: 1e-2) } }
        }
    }

    /// Saving after 7 steps and restoring gives bit-identical parameters after 20 steps.
    @Test(arguments: OptimizerKind.allCases)
    func serializedStateResumesExactly(kind: OptimizerKind) throws {
        let config = OptimizerConfig(kind: kind)
        var straight = config.makeOptimizer(parameterCount: 100)
        var p1 = (0..<100).map { Float($0) / 100 }
        run(&straight, &p1, steps: 0..<20)

        var first = config.makeOptimizer(parameterCount: 100)
        var p2 = (0..<100).map { Float($0) / 100 }
        run(&first, &p2, steps: 0..<7)
        var resumed = try config.restoreOptimizer(parameterCount: 100, from: first.serialized())
        #expect(resumed.step == 7)
        run(&resumed, &p2, steps: 7..<20)
        #expect(p1 == p2)
    }

    @Test func restoreRejectsMismatches() {
        let adamBytes = OptimizerConfig(kind: .adam).makeOptimizer(parameterCount: 10).serialized()
        #expect(throws: OptimError.self) { try OptimizerConfig(kind: .radam).restoreOptimizer(parameterCount: 10, from: adamBytes) }
        #expect(throws: OptimError.self) { try OptimizerConfig(kind: .adam).restoreOptimizer(parameterCount: 11, from: adamBytes) }
        #expect(throws: OptimError.self) { try OptimizerConfig(kind: .adam).restoreOptimizer(parameterCount: 10, from: Array(adamBytes.dropLast())) }
        #expect(throws: OptimError.self) { try OptimizerConfig(kind: .adam).restoreOptimizer(parameterCount: 10, from: [1, 2, 3]) }
    }

    @Test func globalNormAndClipping() {
        var g = [Float](repeating: 0, count: 300_000)
        g[0] = 3; g[299_999] = 4
        let norm = g.withUnsafeBufferPointer { GradientClipping.globalNorm($0) }
        #expect(abs(norm - 5) < 1e-9)
        let before = g.withUnsafeMutableBufferPointer { GradientClipping.clip($0, maxNorm: 1) }
        #expect(abs(before - 5) < 1e-9)
        #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[299_999] - 0.8) < 1e-6)
        // Below the limit nothing changes.
        let unchanged = g
        _ = g.withUnsafeMutableBufferPointer { GradientClipping.clip($0, maxNorm: 10) }
        #expect(g == unchanged)
    }
}

#if canImport(Glibc)
import Glibc
#endif
