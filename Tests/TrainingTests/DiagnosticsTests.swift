import Foundation
import Testing
import Optim
import Transformer
@testable import Training
import Tensor

/// Each diagnostic against a direct computation.
struct DiagnosticsTests {
    @Test func everyStatisticMatchesADirectComputation() {
        var rng = SplitMix64(seed: 4)
        let n = 3000
        let before = (0..<n).map { _ in Float(rng.normal()) }
        let after = before.map { $0 + Float(rng.normal() * 1e-3) }
        let g = (0..<n).map { i in i % 97 == 0 ? 0 : Float(rng.normal() * pow(10, rng.uniform() * 8 - 6)) }
        let v = (0..<n).map { _ in Float(pow(10, rng.uniform() * 6 - 9)) }
        let groups = [ParameterGroup(name: "a", ranges: [0..<1000, 2000..<2500]), ParameterGroup(name: "b", ranges: [1000..<2000, 2500..<3000])]
        let d = AdaptiveRateDiagnostics(groups: groups, histogramEvery: 0)
        let record = after.withUnsafeBufferPointer { p in
            g.withUnsafeBufferPointer { gp in
                v.withUnsafeBufferPointer { vp in
                    d.measure(update: 7, before: before, parameters: p, gradients: gp,
                              moment: SecondMomentView(beta2: 0.98, eps: 1e-8, step: 7, v: vp), rectification: 0.25, histogram: true)
                }
            }
        }
        #expect(record.update == 7 && record.groups.map(\.group) == ["a", "b"] && record.histograms.count == 2)
        let bc = (1 - pow(0.98, 7.0)).squareRoot()
        for (gi, group) in groups.enumerated() {
            let idx = group.ranges.flatMap { Array($0) }
            let psi = idx.map { Double(Float(bc / (Double(v[$0].squareRoot()) + 1e-8))) }.sorted()
            let mean = psi.reduce(0, +) / Double(psi.count)
            let variance = psi.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(psi.count)
            let row = record.groups[gi]
            #expect(row.coordinates == idx.count)
            #expect(abs(row.psiMean! / mean - 1) < 1e-9)
            #expect(abs(row.psiVariance! / variance - 1) < 1e-6)
            #expect(abs(row.psiCV! / (variance.squareRoot() / mean) - 1) < 1e-6)
            for (q, value) in [(0.01, row.psiP01!), (0.5, row.psiP50!), (0.99, row.psiP99!)] {
                let exact = psi[Int((q * Double(psi.count)).rounded(.up)) - 1]
                #expect(abs(value / exact - 1) < 0.004, "q \(q): \(value) vs \(exact)")
            }
            #expect(row.rectification == 0.25)
            func norm(_ f: (Int) -> Double) -> Double { idx.map { f($0) * f($0) }.reduce(0, +).squareRoot() }
            #expect(abs(row.gradientNorm / norm { Double(g[$0]) } - 1) < 1e-9)
            #expect(abs(row.updateNorm / norm { Double(after[$0]) - Double(before[$0]) } - 1) < 1e-9)
            #expect(abs(row.parameterNorm / norm { Double(before[$0]) } - 1) < 1e-9)
            // histogram: every coordinate counted once, in the bin its |g| falls in
            let counts = record.histograms[gi].counts
            #expect(counts.count == GradientHistogram.binCount && counts.reduce(0, +) == idx.count)
            let edges = GradientHistogram.edges
            var expected = [Int](repeating: 0, count: GradientHistogram.binCount)
            for i in idx {
                let x = Double(abs(g[i]))
                if x < edges[0] { expected[0] += 1 } else if x >= edges.last! { expected[expected.count - 1] += 1 }
                else { expected[1 + edges.lastIndex { $0 <= x }!] += 1 }
            }
            // log10 and the edge table may disagree by one bin for a value within rounding of an edge
            let moved = zip(counts, expected).map { abs($0 - $1) }.reduce(0, +)
            #expect(moved <= 2, "histogram differs from the direct count by \(moved)")
            #expect(counts[0] >= idx.filter { g[$0] == 0 }.count)
        }
    }

    @Test func transformerGroupsCoverEveryParameterOnceWithTheirNames() throws {
        let model = try TransformerModel(config: TransformerConfig(vocabularySize: 23, modelDimension: 8, heads: 2, ffnDimension: 12,
                                                                   encoderLayers: 2, decoderLayers: 1, dropout: 0, attentionDropout: 0, reluDropout: 0,
                                                                   normalizeBefore: true, maxPositions: 32), seed: 1)
        let groups = model.parameterGroups
        let names = groups.map(\.name)
        for expected in ["embeddings", "encoder.layers.0.self_attn", "encoder.layers.0.ffn", "encoder.layers.0.layer_norms",
                         "encoder.layers.1.self_attn", "decoder.layers.0.self_attn", "decoder.layers.0.encoder_attn", "decoder.layers.0.ffn",
                         "decoder.layers.0.layer_norms"] {
            #expect(names.contains(expected), "missing group \(expected) in \(names)")
        }
        var covered = [Int](repeating: 0, count: model.parameterCount)
        for g in groups { for r in g.ranges { for i in r { covered[i] += 1 } } }
        #expect(covered.allSatisfy { $0 == 1 })
    }

    /// Through the training loop: rows at every --log-every update and histograms at the
    /// paper's early updates, ψ from the optimizer's own v, ‖Δθ‖ of the last update.
    @Test func theTrainerRecordsDiagnosticsOfTheStateItReached() throws {
        let train = TrainerTests.corpus(200, seed: 1), valid = TrainerTests.corpus(40, seed: 2)
        func run(_ updates: Int, diagnostics: Bool = true) throws -> (ToyModel, Trainer, DiagnosticsRecorder) {
            let model = ToyModel(vocab: 50), recorder = DiagnosticsRecorder()
            var settings = TrainerTests.settings(maxUpdate: updates)
            settings.logEvery = 4
            settings.diagnostics = diagnostics
            settings.histogramEvery = 6
            var config = OptimizerConfig(kind: .adam)
            config.beta2 = 0.99
            let trainer = try Trainer(model: model, optimizer: config.makeOptimizer(parameterCount: model.parameterCount),
                                      schedule: Schedule(kind: .constant, lr: 0.05), settings: settings, train: train, valid: valid, recorder: recorder)
            _ = try trainer.run()
            return (model, trainer, recorder)
        }
        let (model, trainer, recorder) = try run(12)
        #expect(recorder.records.map(\.update) == [1, 4, 5, 6, 8, 10, 12])
        #expect(recorder.records.filter { !$0.histograms.isEmpty }.map(\.update) == [1, 5, 6, 10, 12])
        let last = recorder.records.last!.groups[0]
        let (v, step) = trainer.optimizer.withSecondMoment { m in (Array(m!.v), m!.step) }
        #expect(step == 12)
        let bc = (1 - pow(0.99, 12.0)).squareRoot()
        let psi = v.map { Double(Float(bc / (Double($0.squareRoot()) + 1e-8))) }
        #expect(abs(last.psiMean! / (psi.reduce(0, +) / Double(psi.count)) - 1) < 1e-9)
        let (previous, _, _) = try run(11)
        let delta = zip(Array(model.parameters), Array(previous.parameters)).map { Double($0) - Double($1) }
        #expect(abs(last.updateNorm / delta.map { $0 * $0 }.reduce(0, +).squareRoot() - 1) < 1e-9)
        // diagnostics read the state only: the same weights with them off
        let (plain, _, quiet) = try run(12, diagnostics: false)
        #expect(Array(plain.parameters) == Array(model.parameters) && quiet.records.isEmpty)
    }
}

final class DiagnosticsRecorder: TrainingRecorder {
    var records: [DiagnosticsRecord] = []
    func recordMetrics(_ m: TrainMetrics) throws {}
    func recordValidation(_ v: ValidationResult) throws {}
    func saveCheckpoint(_ c: TrainingCheckpoint) throws {}
    func recordDiagnostics(_ record: DiagnosticsRecord) throws { records.append(record) }
}
