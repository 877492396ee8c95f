import Foundation
import Store
import Testing
import TestSupport

/// `nmt analyze gradient-noise`: replays a run to the updates named, measures the adaptive
/// rate's variance over mini-batch gradients, stores it with the run; bad input is one line.
struct GradientNoiseCommandTests {
    @Test func measuresAtTheUpdatesNamedAndStoresThem() throws {
        let ws = try TrainingWorkspace(label: "gradient-noise")
        let trained = try ws.train("a", ["--optimizer", "adam", "--lr", "3e-3", "--warmup", "0", "--max-update", "12", "--valid-every", "6",
                                         "--save-every", "6", "--quiet"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let measured = try ws.run(["analyze", "gradient-noise", "a", "--at", "1,6,12", "--batches", "4", "--quiet"])
        #expect(measured.status == 0, "\(measured.stderr)")
        for needle in ["Var[psi] mean", "Var/mean^2 median", "all ("] { #expect(measured.stdout.contains(needle), "\(measured.stdout)") }
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        let rows = try store.gradientNoise(run: "a")
        #expect(Set(rows.map(\.update)) == [1, 6, 12] && rows.allSatisfy { $0.batches == 4 && $0.psiVarianceMean > 0 && $0.adaptive })
        // The replay follows the run's own schedule: update 12's rate is the one the run logged.
        let metrics = try store.metrics(run: "a")
        if let logged = metrics.first(where: { $0.update == 12 }) {
            #expect(rows.filter { $0.update == 12 }.allSatisfy { $0.learningRate == logged.learningRate })
        }
        // Measuring again gives the same numbers (a pure function of the run and the update).
        let again = try ws.run(["analyze", "gradient-noise", "a", "--at", "6", "--batches", "4", "--quiet"])
        #expect(again.status == 0)
        #expect(try store.gradientNoise(run: "a").filter { $0.update == 6 } == rows.filter { $0.update == 6 })
        // Per group on request.
        let groups = try ws.run(["analyze", "gradient-noise", "a", "--at", "1", "--batches", "2", "--groups", "--quiet"])
        #expect(groups.status == 0 && groups.stdout.contains("decoder.layers.0"), "\(groups.stdout)")
    }

    @Test(arguments: [
        (["--at", "0"], "--at: update 0 is not a positive update number"),
        (["--at", "x"], "--at must be update numbers"),
        (["--at", "1", "--batches", "1"], "--batches must be at least 2"),
        (["--at", "50"], "--at 50: run 'a' trains 2 updates"),
    ])
    func badInputIsOneLine(flags: [String], message: String) throws {
        let ws = try TrainingWorkspace(label: "gradient-noise-bad")
        #expect(try ws.train("a", ["--max-update", "2", "--quiet"]).status == 0)
        let r = try ws.run(["analyze", "gradient-noise", "a"] + flags)
        #expect(r.status != 0 && r.stderr.contains(message), "\(flags): \(r.stderr)")
        #expect(r.errorLines.count == 1 || r.stderr.hasPrefix("Error:"), "\(r.stderr)")
        #expect(try RunStore(path: ws.path("nmt.sqlite")).gradientNoise(run: "a").isEmpty, "nothing stored")
        let missing = try ws.run(["analyze", "gradient-noise", "nobody"])
        #expect(missing.status != 0 && missing.errorLines.count == 1, "\(missing.stderr)")
    }
}
