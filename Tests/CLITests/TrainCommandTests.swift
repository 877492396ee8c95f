import Foundation
import Store
import Testing
import TestSupport

/// `nmt train`, `runs`, `show`, `compare`, `export` end to end on a small workspace.
@Suite(.serialized)
struct TrainCommandTests {
    let common = ["--lr", "3e-3", "--valid-every", "10", "--save-every", "5", "--log-every", "5", "--seed", "7"]

    @Test func trainsWithFallingValidationLossAndListsComparesExports() throws {
        let ws = try TrainingWorkspace(label: "train")
        let adam = try ws.train("adam-warmup", common + ["--optimizer", "adam", "--warmup", "10", "--max-update", "40"])
        #expect(adam.status == 0, "\(adam.stderr)")
        #expect(adam.stdout.contains("run adam-warmup: stopped after 40 updates (reached --max-update)"))
        let radam = try ws.train("radam", common + ["--optimizer", "radam", "--max-update", "40"])
        #expect(radam.status == 0, "\(radam.stderr)")

        let store = try RunStore(path: ws.path("nmt.sqlite"))
        for name in ["adam-warmup", "radam"] {
            let validations = try store.validations(run: name)
            // Every --valid-every updates, and at the end of epoch 1 (39 batches of ≤ 600 tokens).
            #expect(validations.map(\.update) == [10, 20, 30, 39, 40])
            #expect(validations.last!.validLoss < validations.first!.validLoss, "\(name): valid loss should fall")
            let metrics = try store.metrics(run: name)
            #expect(metrics.map(\.update) == [5, 10, 15, 20, 25, 30, 35, 40])
            #expect(try store.run(named: name).status == .finished)
        }
        // RAdam records ρt and rt (once rectified); Adam records neither.
        #expect(try store.metrics(run: "radam").allSatisfy { $0.rho != nil })
        #expect(try store.metrics(run: "radam").contains { $0.r != nil })
        #expect(try store.metrics(run: "adam-warmup").allSatisfy { $0.rho == nil && $0.r == nil })
        // Warmup: Adam's lr rises linearly over 10 updates to 3e-3; as in fairseq, update t
        // takes the rate of t − 1 updates done (update 5: 4/10 of it, update 10: 9/10).
        let lrs = try store.metrics(run: "adam-warmup").map(\.learningRate)
        #expect(abs(lrs[0] - 1.2e-3) < 1e-12 && abs(lrs[1] - 2.7e-3) < 1e-12)

        let runs = try ws.run(["runs"])
        #expect(runs.status == 0)
        #expect(runs.stdout.contains("adam-warmup") && runs.stdout.contains("radam") && runs.stdout.contains("finished"))

        let show = try ws.run(["show", "radam"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("\"kind\" : \"radam\""))
        #expect(show.stdout.contains("train.source: train.es sha256 "))

        let compare = try ws.run(["compare", "adam-warmup", "radam"])
        #expect(compare.status == 0)
        let lines = compare.stdout.split(separator: "\n")
        #expect(lines[0].contains("best valid loss") && lines[0].contains("loss@40"))
        #expect(lines.contains { $0.hasPrefix("adam-warmup") && $0.contains("adam") && $0.hasSuffix(String(format: "%.2f", try! store.metrics(run: "adam-warmup").last!.trainLoss)) })
        #expect(compare.stdout.contains("training loss (per target token) by update"))
        #expect(compare.stdout.contains("* adam-warmup") && compare.stdout.contains("o radam"))

        let export = try ws.run(["export", "radam", "--checkpoint", "last", "--out", "radam.safetensors"])
        #expect(export.status == 0, "\(export.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ws.path("radam.safetensors")))
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.contains("encoder.layers.0.self_attn"))
        // The exported weights are the checkpoint's, byte for byte (after the header).
        let last = try store.loadCheckpoint(run: "radam", .last)
        #expect(bytes.count - 8 - headerLength >= last.payload.weights.count * 4)

        let duplicate = try ws.train("radam", common + ["--max-update", "5"])
        #expect(duplicate.status != 0)
        #expect(duplicate.stderr.contains("already exists") && duplicate.stderr.contains("--resume radam"))
    }

    /// kill -9 at an arbitrary moment after the first checkpoint, resume: the final
    /// parameters equal those of an uninterrupted run bit for bit. The moment is set by progress
    /// (the run has logged at least `afterUpdate` updates), not by a delay: on a fast machine a
    /// fixed delay let the run finish before the kill.
    ///
    /// How far the run gets between the test seeing that progress and the SIGKILL landing
    /// depends on the machine and its load, so a kill may come too late: after the final
    /// checkpoint, or after the run exited. Such a kill proves nothing and is not a failure;
    /// the run is started again under another name until a kill lands mid-run. The deadlines
    /// and the attempt limit are hang guards only.
    @Test(arguments: [0, 20, 40])
    func killNineThenResumeIsBitIdentical(afterUpdate: Int) throws {
        let ws = try TrainingWorkspace(label: "kill")
        let flags = common + ["--optimizer", "radam", "--max-update", "60"]
        let straight = try ws.train("straight", flags)
        #expect(straight.status == 0, "\(straight.stderr)")

        let store = try RunStore(path: ws.path("nmt.sqlite"))
        var killed: String?
        for attempt in 1...20 {
            let name = "killed-\(attempt)"
            let process = try NMTProcess.start(["train", "--name", name] + TrainingWorkspace.modelFlags + flags, in: ws.directory)
            func checkpointed() -> Bool { !((try? store.checkpoints(run: name)) ?? []).isEmpty }
            func logged() -> Int { (try? store.metrics(run: name).last?.update) ?? 0 }
            let deadline = Date().addingTimeInterval(600)
            while process.isRunning && Date() < deadline && !(checkpointed() && logged() >= afterUpdate) { usleep(1_000) }
            let reached = checkpointed() && logged() >= afterUpdate
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            if process.terminationReason == .exit {
                // It finished before the kill: fine, unless it failed.
                let stderr = String(decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                #expect(process.terminationStatus == 0, "\(stderr)")
                if process.terminationStatus != 0 { return }
                continue
            }
            #expect(reached, "run \(name) did not reach update \(afterUpdate) within 10 minutes")
            if !reached { return }
            if let at = try? store.loadCheckpoint(run: name, .last).info.update, at < 60 {
                killed = name
                break
            }
        }
        let name = try #require(killed, "no kill landed before the run finished in 20 attempts")

        let resumed = try ws.run(["train", "--resume", name, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("stopped after 60 updates"))
        let a = try store.loadCheckpoint(run: "straight", .last), b = try store.loadCheckpoint(run: name, .last)
        #expect(a.info.update == 60 && b.info.update == 60)
        #expect(a.payload.weights == b.payload.weights)
        #expect(a.payload.optimizerState == b.payload.optimizerState)
        // The resumed history reads as one run: same metric rows as the straight run.
        #expect(try store.metrics(run: name).map(\.trainLoss) == store.metrics(run: "straight").map(\.trainLoss))
        #expect(try store.run(named: name).status == .finished)
    }

    /// SIGTERM finishes the update in flight, checkpoints (unless the epoch's end has just
    /// done so), and marks the run interrupted.
    @Test func terminationCheckpointsAndMarksInterrupted() throws {
        let ws = try TrainingWorkspace(label: "term")
        let process = try NMTProcess.start(["train", "--name", "t"] + TrainingWorkspace.modelFlags
                                           + common + ["--max-update", "100000", "--save-every", "100000"], in: ws.directory)
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        // Waits on progress; the deadlines are hang guards only, long enough for a loaded machine.
        let deadline = Date().addingTimeInterval(600)
        while process.isRunning && Date() < deadline {
            if let m = try? store.metrics(run: "t"), m.count >= 2 { break }
            usleep(5_000)
        }
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        // Bounded wait: a run that ignores SIGTERM fails the test instead of hanging it.
        let stopBy = Date().addingTimeInterval(600)
        while process.isRunning && Date() < stopBy { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try store.run(named: "t").status == .interrupted)
        let last = try store.loadCheckpoint(run: "t", .last)
        #expect(last.info.update >= 10)
        #expect(try TrainingWorkspace.stopLostNothing(last.info, store: store, run: "t"), "\(last.info.kind) at update \(last.info.update)")
    }

    @Test func badInputGivesOneClearLine() throws {
        let ws = try TrainingWorkspace(label: "bad")
        try Data("uno\ndos\n".utf8).write(to: URL(fileURLWithPath: ws.path("short.es")))
        try Data("one\ntwo\nthree\n".utf8).write(to: URL(fileURLWithPath: ws.path("long.en")))
        try Data(Array("a\nb\n".utf8) + [0xFF, 0x0A]).write(to: URL(fileURLWithPath: ws.path("bad.en")))
        try Data().write(to: URL(fileURLWithPath: ws.path("empty.es")))
        try Data().write(to: URL(fileURLWithPath: ws.path("empty.en")))
        try Data("this is not a database, just text that is long enough to look like a header".utf8)
            .write(to: URL(fileURLWithPath: ws.path("junk.sqlite")))
        let cases: [([String], [String])] = [
            (["--src", "missing.es", "--max-update", "1"], ["missing.es"]),
            (["--src", "short.es", "--tgt", "long.en", "--max-update", "1"], ["short.es", "long.en", "2", "3"]),
            (["--src", "empty.es", "--tgt", "empty.en", "--max-update", "1"], ["empty"]),
            (["--src", "train.es", "--tgt", "bad.en", "--max-update", "1"], ["bad.en:3", "not valid UTF-8"]),
            (["--vocab", "missing.bpe", "--max-update", "1"], ["missing.bpe"]),
            (["--max-update", "1", "--db", "junk.sqlite"], ["junk.sqlite"]),
            (["--max-time", "soon"], ["--max-time"]),
            ([], ["--max-update"]),
        ]
        for (args, fragments) in cases {
            let r = try ws.run(["train"] + TrainingWorkspace.modelFlags + args)
            #expect(r.status != 0, "\(args) should fail")
            #expect(r.errorLines.count == 1 || r.stderr.hasPrefix("Error:"), "\(args): one line, got \(r.stderr)")
            for f in fragments { #expect(r.stderr.contains(f), "\(args): '\(r.stderr)' should mention \(f)") }
            #expect(!r.stderr.contains("Fatal error"), "\(args) crashed")
        }
        let unknown = try ws.run(["train", "--resume", "nobody"])
        #expect(unknown.status != 0 && unknown.errorLines.count == 1)
        let trained = try ws.train("r", common + ["--max-update", "5"])
        #expect(trained.status == 0)
        let nobody = try ws.run(["train", "--resume", "nobody"])
        #expect(nobody.status != 0 && nobody.stderr.contains("nobody") && nobody.errorLines.count == 1)
        // A vocabulary that no longer matches the run is refused on resume.
        let relearn = try ws.run(["bpe", "learn", "--vocab-size", "300", "--out", "small.bpe", "train.es", "train.en"])
        #expect(relearn.status == 0)
        let mismatch = try ws.run(["train", "--resume", "r", "--max-update", "10"])
        #expect(mismatch.status != 0 && mismatch.stderr.contains("small.bpe") && mismatch.errorLines.count == 1)
    }

    /// Settings that would defeat a run, or be ignored, are refused with one line, never taken silently.
    @Test func defaultsThatDefeatTheRunAreRefused() throws {
        let ws = try TrainingWorkspace(label: "train-defeat")
        let common = ["--d-model", "16", "--heads", "2", "--ffn", "32", "--encoder-layers", "1", "--decoder-layers", "1", "--quiet"]
        func refused(_ r: NMTProcess.Result, _ fragment: String) {
            #expect(r.status != 0 && r.stderr.contains(fragment) && (r.errorLines.count == 1 || r.stderr.hasPrefix("Error:")), "'\(r.stderr)' should say '\(fragment)'")
        }
        // Adam's default warmup of 4,000 updates in a 3-update run: said, with what to do (a warning:
        // the run is still the one asked for).
        let warned = try ws.train("w", common + ["--optimizer", "adam", "--max-update", "3"])
        #expect(warned.status == 0 && warned.stderr.contains("warning: the default warmup for adam is 4000 updates, not shorter than --max-update 3")
                && warned.stderr.contains("give --warmup N"), "\(warned.stderr)")
        // A negative rate is a value, not a missing one.
        refused(try ws.train("n", common + ["--lr", "-1", "--max-update", "3"]), "learning rate must be positive, got -1")
        // RAdam's linear decay reaches 0 at update 4. Flags a resumed run would ignore are refused.
        #expect(try ws.train("r", common + ["--optimizer", "radam", "--max-update", "4", "--valid-every", "2", "--save-every", "2"]).status == 0)
        refused(try ws.run(["train", "--resume", "r", "--lr", "1e-3"]), "--lr would be ignored")
        refused(try ws.run(["train", "--resume", "r", "--keep-last", "9"]), "--keep-last would be ignored")
        #expect(try RunStore(path: ws.path("nmt.sqlite")).validations(run: "r").last?.update == 4, "nothing trained")
        // Resuming to 6 trains two updates at rate 0, as asked, and says so.
        let past = try ws.run(["train", "--resume", "r", "--max-update", "6"])
        #expect(past.status == 0 && past.stderr.contains("warning: run 'r': its linear schedule decays to 0 at update 4, so updates 5–6 run at rate 0"),
                "\(past.stderr)")
    }

    /// Each validation (and each checkpoint) is a line of its own while training, TTY or not.
    @Test func validationsArePrintedAsTheyHappen() throws {
        let ws = try TrainingWorkspace(label: "train-lines")
        let loud = TrainingWorkspace.modelFlags.filter { $0 != "--quiet" }
        let r = try ws.run(["train", "--name", "v"] + loud + ["--d-model", "16", "--heads", "2", "--ffn", "32", "--encoder-layers", "1", "--decoder-layers", "1",
                                   "--optimizer", "radam", "--max-update", "4", "--valid-every", "2", "--save-every", "2", "--eval-bleu"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("validation at update") }
        #expect(lines.count == 2 && lines[0].contains("validation at update 2 (epoch 1): loss ") && lines[1].contains("update 4"), "\(r.stderr)")
        #expect(lines.allSatisfy { $0.contains(", BLEU ") && $0.contains(", chrF ") && $0.contains("; best loss ") }, "\(lines)")
        #expect(r.stderr.contains("checkpoint saved at update 2 (periodic)"), "\(r.stderr)")
        let quiet = try ws.train("q", ["--d-model", "16", "--heads", "2", "--ffn", "32", "--encoder-layers", "1", "--decoder-layers", "1",
                                       "--optimizer", "radam", "--max-update", "2", "--valid-every", "2", "--quiet"])
        #expect(quiet.status == 0 && !quiet.stderr.contains("validation at"), "--quiet keeps them off")
    }
}
