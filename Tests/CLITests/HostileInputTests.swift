import Foundation
import Store
import Testing
import TestSupport

/// Sizes and numbers from the command line or a file are bounded before anything is allocated
/// or computed with them: each hostile value is one error line and a non-zero exit, never an
/// abort, a wrapped-around integer or an hour of work.
struct HostileInputTests {
    func refused(_ r: NMTProcess.Result, _ fragment: String, _ what: String) {
        #expect(r.status != 0, "\(what): accepted")
        #expect(r.stderr.contains(fragment), "\(what): '\(r.stderr)' should say '\(fragment)'")
        #expect(r.errorLines.count == 1 || r.stderr.hasPrefix("Error:"), "\(what): one line, got \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("failed to allocate"), "\(what) crashed")
    }

    @Test func sizesFromTheCommandLineAreBounded() throws {
        let ws = try TrainingWorkspace(label: "hostile-sizes")
        refused(try ws.train("a", ["--ffn", "1000000000", "--max-update", "1"]), "ffnDimension 1000000000 is over the limit", "--ffn 1e9")
        refused(try ws.train("b", ["--d-model", "1000000", "--max-update", "1"]), "modelDimension 1000000 is over the limit", "--d-model 1e6")
        refused(try ws.train("c", ["--encoder-layers", "100000", "--max-update", "1"]), "encoderLayers 100000 is over the limit", "--encoder-layers 1e5")
        refused(try ws.train("d", ["--max-tokens", "9223372036854775807", "--max-update", "1"]), "--max-tokens must be at most", "--max-tokens Int.max")
        refused(try ws.train("e", ["--eval-bleu", "--eval-bleu-beam", "100000", "--max-update", "1"]), "--eval-bleu-beam must be at most 64", "--eval-bleu-beam 1e5")
        #expect(try ws.train("r", ["--optimizer", "radam", "--max-update", "2"]).status == 0)
        for (flag, value, fragment) in [("--max-len-a", "1e300", "--max-len-a must be a number in 0...1000"),
                                        ("--max-len-a", "nan", "--max-len-a must be a number in 0...1000"),
                                        ("--max-len-b", "9223372036854775807", "--max-len-b must be at most")] {
            refused(try ws.run(["translate", "--run", "r", flag, value], stdin: Data("hola\n".utf8)), fragment, "translate \(flag) \(value)")
            refused(try ws.run(["eval", "r", "--split", "test", flag, value]), fragment, "eval \(flag) \(value)")
        }
        refused(try ws.run(["serve", "--run", "r", "--port", "0", "--batch-wait-ms", "1e300"]), "--batch-wait-ms must be in 0...60000", "serve --batch-wait-ms")
    }

    /// An infinite setting is refused by its own check in one line, before anything runs (it
    /// used to reach the stored JSON and fail there as a raw EncodingError dump).
    @Test func infiniteSettingsAreRefused() throws {
        let ws = try TrainingWorkspace(label: "hostile-infinite")
        for (flag, fragment) in [("--lr", "learning rate must be positive, got inf"), ("--eps", "eps must be positive and finite, got inf"),
                                 ("--weight-decay", "weight decay must be non-negative and finite, got inf"),
                                 ("--rho-threshold", "rho threshold must be a number of at least 4"),
                                 ("--clip-norm", "--clip-norm must be non-negative and finite, got inf")] {
            let r = try ws.train("inf", [flag, "inf", "--max-update", "2"])
            refused(r, fragment, "\(flag) inf")
            #expect(!r.stderr.contains("EncodingError"), "\(flag) inf: \(r.stderr)")
        }
        #expect(try RunStore(path: ws.path("nmt.sqlite")).listRuns().isEmpty, "a refused run leaves no row")
    }

    @Test func sizesFromFilesAreBounded() throws {
        let ws = try TrainingWorkspace(label: "hostile-files")
        // A BPE header declaring 10^11 pieces: refused before the vocabulary is allocated.
        var model = try String(contentsOfFile: ws.path("small.bpe"), encoding: .utf8)
        let size = try #require(model.split(separator: "\n").first { $0.hasPrefix("vocab-size ") })
        model = model.replacingOccurrences(of: String(size), with: "vocab-size 99999999999")
        try model.write(toFile: ws.path("huge.bpe"), atomically: true, encoding: .utf8)
        refused(try ws.run(["bpe", "encode", "--model", "huge.bpe"], stdin: Data("hola\n".utf8)), "vocab-size 99999999999 is over the limit", "bpe header")
        // TER on a 60,000-character line: its edit table would take gigabytes.
        let long = String(repeating: "palabra ", count: 7_500) + "\n"
        try long.write(toFile: ws.path("long.hyp"), atomically: true, encoding: .utf8)
        try long.write(toFile: ws.path("long.ref"), atomically: true, encoding: .utf8)
        refused(try ws.run(["bleu", "long.ref", "-i", "long.hyp", "-m", "ter"]), "would need more than 100000000 table cells", "TER of a huge line")
        // BLEU and chrF of the same line are fine (linear in its length).
        #expect(try ws.run(["bleu", "long.ref", "-i", "long.hyp", "-m", "bleu", "chrf"]).status == 0)
    }

    /// An output that is one of the command's inputs is refused before anything is written,
    /// by file identity (a symlink or another spelling is the same file).
    @Test func anOutputNeverOverwritesAnInput() throws {
        let ws = try TrainingWorkspace(label: "hostile-outputs")
        #expect(try ws.train("r", ["--optimizer", "radam", "--max-update", "2"]).status == 0)
        try FileManager.default.createSymbolicLink(atPath: ws.path("link.sqlite"), withDestinationPath: ws.path("nmt.sqlite"))
        let sourceBefore = try Data(contentsOf: URL(fileURLWithPath: ws.path("test.es")))
        refused(try ws.run(["export", "r", "--out", "nmt.sqlite"]), "--out nmt.sqlite is the run database", "export over the database")
        refused(try ws.run(["export", "r", "--out", "./link.sqlite"]), "is the run database", "export over a symlink to the database")
        refused(try ws.run(["metrics", "r", "--out", "nmt.sqlite"]), "--out nmt.sqlite is the run database", "metrics over the database")
        refused(try ws.run(["eval", "r", "--split", "test", "--out", "test.es"]), "--out test.es is the source", "eval over its source")
        refused(try ws.run(["eval", "r", "--split", "test", "--out", "nmt.sqlite"]), "is the run database", "eval over the database")
        refused(try ws.run(["bpe", "learn", "--vocab-size", "300", "--out", "train.es", "train.es", "train.en"]), "--out train.es is the training text", "bpe learn over its input")
        // The database is still the database (reading it may fold its WAL in, so bytes are not compared).
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        #expect(try store.listRuns().map(\.name) == ["r"] && !store.checkpoints(run: "r").isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: ws.path("test.es"))) == sourceBefore, "the source is untouched")
        #expect(try ws.run(["runs"]).stdout.contains("r"))
    }

    /// Names that would write outside the database's directory or cannot be typed back are
    /// refused; a run refused after its row was written leaves no row behind; a run killed
    /// before its first checkpoint starts again on --resume instead of being stuck.
    @Test func runNamesAndRunsThatNeverStarted() throws {
        let ws = try TrainingWorkspace(label: "hostile-runs")
        // (A NUL cannot reach a name: no argument of a process can hold one.)
        let rule = "must be 1–200 letters, digits"
        // An empty value is refused by the parser itself ("Missing value for '--name <name>'").
        for (name, what, fragment) in [("", "empty", "--name"), ("../../x", "parent directories", rule), ("-x", "a flag-like name", rule),
                                       ("a b", "a space", rule)] {
            refused(try ws.run(["train", "--name=\(name)"] + TrainingWorkspace.modelFlags + ["--max-update", "1", "--learn-vocab", "300"]),
                    fragment, "--name \(what)")
        }
        #expect(!FileManager.default.fileExists(atPath: ws.directory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("x.bpe").path))
        // Every pair over --max-len 2: refused, and the name stays free.
        refused(try ws.train("short", ["--max-update", "1", "--max-len", "2"]), "no training pairs left", "every pair over --max-len")
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        #expect(try store.listRuns().isEmpty, "a refused run leaves no row")
        #expect(try ws.train("short", ["--max-update", "2", "--optimizer", "radam"]).status == 0, "the name is free")
        // No checkpoint left (as after a kill before the first one): --resume starts it again.
        try store.deleteCheckpoints(run: "short", keeping: [])
        let again = try ws.run(["train", "--resume", "short", "--max-update", "3"])
        #expect(again.status == 0 && again.stderr.contains("starting it again"), "\(again.stderr)")
        #expect(try RunStore(path: ws.path("nmt.sqlite")).validations(run: "short").last?.update == 3)
    }

    /// An archived database on a read-only file and directory (made immutable with chattr: as
    /// root, chmod 444 does not stop a write) is read: runs, show, metrics, translate, export.
    @Test func aReadOnlyDatabaseCanBeRead() throws {
        let ws = try TrainingWorkspace(label: "hostile-readonly")
        #expect(try ws.train("r", ["--optimizer", "radam", "--max-update", "2"]).status == 0)
        let archive = ws.directory.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ws.path("nmt.sqlite"), toPath: archive.appendingPathComponent("nmt.sqlite").path)
        func chattr(_ flag: String, _ paths: [String]) -> Bool {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
            p.arguments = [flag] + paths
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return false }
            p.waitUntilExit()
            return p.terminationStatus == 0
        }
        let frozen = [archive.appendingPathComponent("nmt.sqlite").path, archive.path]
        guard chattr("+i", frozen) else {
            // A file system without immutable files: nothing to freeze here (ext4 has them).
            return
        }
        defer { _ = chattr("-i", frozen) }
        let db = archive.appendingPathComponent("nmt.sqlite").path
        #expect(FileManager.default.createFile(atPath: archive.appendingPathComponent("probe").path, contents: Data()) == false, "the directory is frozen")
        for (args, fragment) in [(["runs", "--db", db], "r"), (["show", "r", "--db", db], "arm:"), (["metrics", "r", "--db", db], "update")] {
            let r = try ws.run(args)
            #expect(r.status == 0 && r.stdout.contains(fragment), "\(args): \(r.stderr)")
        }
        let translated = try ws.run(["translate", "--run", "r", "--db", db, "--beam", "1"], stdin: Data("hola\n".utf8))
        #expect(translated.status == 0 && translated.stdout.split(separator: "\n").count == 1, "\(translated.stderr)")
        let exported = try ws.run(["export", "r", "--db", db, "--out", "exported.safetensors"])
        #expect(exported.status == 0, "\(exported.stderr)")
        // Writing to it is refused in one line, naming the database.
        let evaluated = try ws.run(["eval", "r", "--db", db, "--split", "test", "--beam", "1"])
        #expect(evaluated.status != 0 && evaluated.errorLines.count == 1, "\(evaluated.stderr)")
    }

    /// One writer per run: while a process trains a run, a second `train --resume` of it (even
    /// through a symlink to the database) and a second `train` of its name are refused in one
    /// line; once the first is gone (kill -9 here), the resume goes ahead.
    @Test func twoWritersOnOneRunAreRefused() throws {
        let ws = try TrainingWorkspace(label: "hostile-writers")
        let first = try NMTProcess.start(["train", "--name", "live"] + TrainingWorkspace.modelFlags + ["--optimizer", "radam", "--max-update", "1000000"],
                                         in: ws.directory)
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        // Until its row is there (a hang guard only: nothing here depends on the time taken).
        let deadline = Date().addingTimeInterval(600)
        func started() -> Bool { (try? RunStore(path: ws.path("nmt.sqlite")).run(named: "live")) != nil }
        while first.isRunning && Date() < deadline && !started() { usleep(10_000) }
        try #require(first.isRunning && started(), "the first writer did not start")
        try FileManager.default.createSymbolicLink(atPath: ws.path("link.sqlite"), withDestinationPath: ws.path("nmt.sqlite"))
        for db in ["nmt.sqlite", "link.sqlite"] {
            let second = try ws.run(["train", "--resume", "live", "--db", db, "--max-update", "2"])
            refused(second, "run 'live' is being trained by another process", "resume through \(db)")
        }
        refused(try ws.train("live", ["--max-update", "2"]), "being trained by another process", "a second train of the name")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let resumed = try ws.run(["train", "--resume", "live", "--max-update", "2"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }
}

