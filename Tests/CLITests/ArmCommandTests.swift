import Foundation
import Store
import Testing
import TestSupport

/// The paper's arms as `nmt train` flags: each trains, is stored with the run and shown by
/// `nmt show` and `nmt compare`; bad combinations are one clear line.
@Suite(.serialized)
struct ArmCommandTests {
    static let common = ["--lr", "3e-3", "--max-update", "6", "--valid-every", "0", "--save-every", "6", "--log-every", "1"]

    @Test func everyArmTrainsAndIsShown() throws {
        let ws = try TrainingWorkspace(label: "arms")
        let arms: [(String, [String])] = [
            ("adam-2k", ["--optimizer", "adam", "--schedule", "linear", "--warmup", "0", "--min-lr", "1e-3", "--adam-freeze", "5", "--betas", "0.9,0.999"]),
            ("adam-eps", ["--optimizer", "adam", "--schedule", "linear", "--warmup", "0", "--eps", "1e-4"]),
            ("radam-skip", ["--optimizer", "radam", "--radam-degenerate", "skip", "--betas", "0.9,0.999"]),
            ("adam-untuned", ["--optimizer", "adam", "--schedule", "linear", "--warmup", "untuned"]),
            ("radam-untuned-exp", ["--optimizer", "radam", "--warmup", "untuned", "--warmup-shape", "exponential"]),
        ]
        for (name, flags) in arms {
            let r = try ws.train(name, Self.common + flags)
            #expect(r.status == 0, "\(name): \(r.stderr)")
        }
        let compare = try ws.run(["compare"] + arms.map(\.0))
        #expect(compare.status == 0, "\(compare.stderr)")
        for fragment in ["eps", "1e-4", "freeze 5", "degenerate skip", "untuned 100 linear", "untuned 100 exponential", "post-LN"] {
            #expect(compare.stdout.contains(fragment), "compare should show '\(fragment)':\n\(compare.stdout.prefix(2000))")
        }
        let show = try ws.run(["show", "adam-2k"])
        #expect(show.stdout.contains("arm: adam, eps 1e-8, warmup none, freeze 5, post-LN"), "\(show.stdout.prefix(2000))")

        // the diagnostics of a run, per group, and none for a run trained without them
        let diagnostics = try ws.run(["show", "radam-skip", "--diagnostics"])
        for fragment in ["encoder.layers.0.self_attn", "decoder.layers.0.encoder_attn", "embeddings", "psi mean", "r*psi mean", "|dθ|/|θ|", "ρ_t"] {
            #expect(diagnostics.stdout.contains(fragment), "show --diagnostics should contain '\(fragment)'")
        }
        let store0 = try RunStore(path: ws.path("nmt.sqlite"))
        #expect(Set(try store0.diagnostics(run: "radam-skip").map(\.update)) == Set(1...6))
        #expect(Set(try store0.gradientHistograms(run: "radam-skip").map(\.update)) == [1, 5])
        let off = try ws.train("off", Self.common + ["--optimizer", "radam", "--no-diagnostics"])
        #expect(off.status == 0)
        #expect(try store0.diagnostics(run: "off").isEmpty)
        #expect(try ws.run(["show", "off", "--diagnostics"]).stdout.contains("none recorded"))

        // Adam-2k with N = 5 and RAdam-skip with β2 = 0.999 both leave the initial parameters
        // untouched for 5 updates: their weights after update 5 are the same initialisation.
        let frozen = try ws.train("frozen5", ["--lr", "3e-3", "--max-update", "5", "--save-every", "5", "--valid-every", "0",
                                              "--optimizer", "adam", "--schedule", "linear", "--warmup", "0", "--adam-freeze", "5"])
        let skipped = try ws.train("skip5", ["--lr", "3e-3", "--max-update", "5", "--save-every", "5", "--valid-every", "0",
                                             "--optimizer", "radam", "--radam-degenerate", "skip", "--betas", "0.9,0.999"])
        #expect(frozen.status == 0 && skipped.status == 0)
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        let a = try store.loadCheckpoint(run: "frozen5", .last).payload.weights
        let b = try store.loadCheckpoint(run: "skip5", .last).payload.weights
        let moved = try store.loadCheckpoint(run: "adam-2k", .last).payload.weights  // 6 updates, freeze 5
        #expect(a == b, "both arms must still hold the initialisation after 5 updates")
        #expect(moved != a, "update 6 of Adam-2k (freeze 5) moves the parameters")
        // ωt = t·(1 − β2)/2 with the default β2 = 0.98: t/100
        let metrics = try store.metrics(run: "adam-untuned")
        #expect(metrics.count == 6 && metrics.allSatisfy { abs(($0.warmupFactor ?? -1) - Double($0.update) / 100) < 1e-12 })
    }

    @Test func badArmFlagsGiveOneClearLine() throws {
        let ws = try TrainingWorkspace(label: "arms-bad")
        let cases: [([String], String)] = [
            (["--optimizer", "radam", "--adam-freeze", "10"], "--adam-freeze applies to --optimizer adam only"),
            (["--optimizer", "adam", "--radam-degenerate", "skip"], "--radam-degenerate applies to --optimizer radam only"),
            (["--optimizer", "adam", "--adam-freeze=-3"], "--adam-freeze must be a non-negative whole number"),
            (["--optimizer", "adam", "--adam-freeze", "2.5"], "--adam-freeze must be a non-negative whole number"),
            (["--optimizer", "adam", "--warmup", "untuned", "--warmup", "400"], "--warmup is given 2 times"),
            (["--optimizer", "adam", "--warmup", "soon"], "--warmup must be a non-negative whole number of updates or 'untuned'"),
            (["--optimizer", "adam", "--warmup", "100", "--warmup-shape", "exponential"], "--warmup-shape exponential applies to --warmup untuned only"),
            (["--optimizer", "adam", "--adam-freeze-rescale-lr"], "--adam-freeze-rescale-lr needs --adam-freeze"),
            (["--optimizer", "radam", "--schedule", "constant", "--warmup", "100"], "--schedule constant has no step warmup"),
            (["--optimizer", "radam", "--radam-degenerate", "never"], "--radam-degenerate"),
        ]
        for (flags, fragment) in cases {
            let r = try ws.train("bad", ["--max-update", "3"] + flags)
            #expect(r.status != 0, "\(flags) should fail")
            #expect(r.stderr.contains(fragment), "\(flags): '\(r.stderr)' should say '\(fragment)'")
            #expect(r.errorLines.count == 1 || r.stderr.hasPrefix("Error:"), "\(flags): one line, got \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"), "\(flags) crashed")
        }
        let store = try? RunStore(path: ws.path("nmt.sqlite"))
        #expect((try? store?.run(named: "bad")) == nil, "nothing is written for a refused run")
    }
}
