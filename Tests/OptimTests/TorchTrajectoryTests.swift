import Foundation
import Testing
@testable import Optim

/// Parameters and moments after each of 60 steps, compared with torch.optim
/// (fixture from scripts/reference/make_optim_fixtures.py).
struct TorchTrajectoryTests {
    struct Case: Decodable {
        let name: String
        let optimizer: String
        let beta1: Double
        let beta2: Double
        let eps: Double
        let weight_decay: Double
        let momentum: Double
        let initial: [Float]
        let lrs: [Double]
        let gradients: [[Float]]
        let params: [[Float]]
        let first_moment: [[Float]]
        let second_moment: [[Float]]
    }
    struct Fixture: Decodable { let cases: [Case] }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/optim/trajectories.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    static var caseNames: [String] { fixture.cases.map(\.name) }

    /// Max relative error with an absolute floor, so values near zero compare sensibly.
    func maxRelativeError(_ a: [Float], _ b: [Float], floor: Float = 1e-6) -> Float {
        zip(a, b).map { abs($0 - $1) / max(abs($1), floor) }.max() ?? 0
    }

    @Test(arguments: caseNames)
    func matchesTorch(name: String) throws {
        let c = Self.fixture.cases.first { $0.name == name }!
        var config = OptimizerConfig(kind: OptimizerKind(rawValue: c.optimizer)!)
        config.beta1 = c.beta1
        config.beta2 = c.beta2
        config.eps = c.eps
        config.weightDecay = c.weight_decay
        config.momentum = c.momentum
        var optimizer = config.makeOptimizer(parameterCount: c.initial.count)
        var params = c.initial
        var sawBothRAdamPhases = (false, false)
        for t in 0..<c.lrs.count {
            let report = c.gradients[t].withUnsafeBufferPointer { g in
                params.withUnsafeMutableBufferPointer { optimizer.update(parameters: $0, gradients: g, lr: c.lrs[t]) }
            }
            #expect(report.step == t + 1)
            if c.optimizer == "radam" {
                if report.adaptive { sawBothRAdamPhases.1 = true } else { sawBothRAdamPhases.0 = true }
            }
            let paramError = maxRelativeError(params, c.params[t])
            #expect(paramError < 2e-6, "\(name) step \(t + 1): parameters differ by \(paramError)")
            let (m1, m2) = moments(of: optimizer)
            let m1Error = maxRelativeError(m1, c.first_moment[t])
            #expect(m1Error < 2e-6, "\(name) step \(t + 1): first moment differs by \(m1Error)")
            if !c.second_moment[t].isEmpty {
                let m2Error = maxRelativeError(m2, c.second_moment[t], floor: 1e-10)
                #expect(m2Error < 2e-6, "\(name) step \(t + 1): second moment differs by \(m2Error)")
            }
        }
        if c.optimizer == "radam" {
            #expect(sawBothRAdamPhases == (true, true), "\(name) must cover both the un-rectified and the rectified phase")
        }
    }

    func moments(of optimizer: any Optimizer) -> ([Float], [Float]) {
        switch optimizer {
        case let o as Adam: return (o.firstMoment, o.secondMoment)
        case let o as RAdam: return (o.firstMoment, o.secondMoment)
        case let o as SGD: return (o.momentumBuffer, [])
        default: Issue.record("unknown optimizer"); return ([], [])
        }
    }
}
