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

/// Optimizer state keeps its meaning across versions: version 2 names the optimizer, version
/// 1 (nmt 0.1.0) stored an index into the kinds as they were then.
@Suite struct MomentStateVersionTests {
    @Test func versionTwoNamesTheOptimizer() throws {
        let adam = OptimizerConfig(kind: .radam).makeOptimizer(parameterCount: 3)
        let bytes = adam.serialized()
        #expect(Array(bytes[4..<8]) == [2, 0, 0, 0])
        #expect(String(decoding: bytes[12..<17], as: UTF8.self) == "radam")
        let restored = try OptimizerConfig(kind: .radam).restoreOptimizer(parameterCount: 3, from: bytes)
        #expect(restored.serialized() == bytes)
        #expect(throws: OptimError.self) { try OptimizerConfig(kind: .adam).restoreOptimizer(parameterCount: 3, from: bytes) }
    }

    @Test func versionOneIndicesStillMeanWhatTheyMeant() throws {
        // magic, version 1, kind index 1 (radam in 0.1.0), step 4, 2 parameters, 2 moments, 4 floats.
        var bytes = Array("NMTO".utf8)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        put(UInt32(1)); put(UInt32(1)); put(UInt64(4)); put(UInt64(2)); put(UInt32(2))
        for f: Float in [0.5, -1, 2, 0.25] { withUnsafeBytes(of: f) { bytes += $0 } }
        let restored = try OptimizerConfig(kind: .radam).restoreOptimizer(parameterCount: 2, from: bytes)
        let rewritten = restored.serialized()
        #expect(Array(rewritten[4..<8]) == [2, 0, 0, 0], "rewritten as version 2")
        #expect(Array(rewritten.suffix(16)) == Array(bytes.suffix(16)), "same moments")
        #expect(throws: OptimError.self) { try OptimizerConfig(kind: .adam).restoreOptimizer(parameterCount: 2, from: bytes) }
    }
}
