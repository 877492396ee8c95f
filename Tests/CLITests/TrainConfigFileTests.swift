import Foundation
import Store
import Testing
import TestSupport

/// `nmt train --config FILE` and `nmt show NAME --config`.
@Suite(.serialized)
struct TrainConfigFileTests {
    /// The keys of a `show --config` file (comment lines skipped).
    static func keys(_ yaml: String) -> [String] {
        yaml.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            line.split(separator: ":", maxSplits: 1).first.map(String.init)
        }
    }

    /// Every long flag `nmt train --help` lists.
    static func trainFlags(_ ws: TrainingWorkspace) throws -> Set<String> {
        let help = try ws.run(["train", "--help"]).stdout
        let regex = try NSRegularExpression(pattern: "--([a-z0-9][a-z0-9-]*)")
        let range = NSRange(help.startIndex..., in: help)
        return Set(regex.matches(in: help, range: range).map { String(help[Range($0.range(at: 1), in: help)!]) })
    }

    @Test func aShownConfigurationRerunsTheSameRunAndTheCommandLineOverridesIt() throws {
        let ws = try TrainingWorkspace(label: "config")
        let a = try ws.train("a", ["--optimizer", "radam", "--lr", "2e-3", "--max-update", "4", "--valid-every", "2",
                                   "--eval-bleu", "--betas", "0.9,0.99", "--seed", "7"])
        #expect(a.status == 0, "\(a.stderr)")
        let shown = try ws.run(["show", "a", "--config"])
        #expect(shown.status == 0, "\(shown.stderr)")
        try shown.stdout.write(toFile: ws.path("a.yaml"), atomically: true, encoding: .utf8)
        // Every flag of nmt train has its key, except those a stored run does not determine
        // (and those this run leaves off: max-epoch, max-time, adam-freeze, eps-placement, nonfinite-limit).
        let keys = Self.keys(shown.stdout)
        let flags = try Self.trainFlags(ws)
        let notStored: Set = ["config", "name", "resume", "db", "quiet", "learn-vocab", "help", "version", "max-epoch", "max-time", "adam-freeze", "eps-placement", "nonfinite-limit"]
        #expect(flags.subtracting(notStored).subtracting(keys).isEmpty, "flags without a key: \(flags.subtracting(notStored).subtracting(keys))")
        #expect(Set(keys).isSubset(of: flags) && Set(keys).count == keys.count)
        #expect(keys.contains("radam-degenerate") && keys.contains("eval-bleu-beam"))

        let b = try ws.run(["train", "--name", "b", "--config", "a.yaml", "--quiet"])
        #expect(b.status == 0, "\(b.stderr)")
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        #expect(try store.run(named: "b").run.configurationJSON == store.run(named: "a").run.configurationJSON)
        #expect(try store.validations(run: "b").map(\.nll) == store.validations(run: "a").map(\.nll),
                "same configuration, same seed: the same training")

        // Flags on the command line win over the file, in either spelling.
        let c = try ws.run(["train", "--name", "c", "--config=a.yaml", "--seed", "8", "--max-update=2", "--quiet"])
        #expect(c.status == 0, "\(c.stderr)")
        let varied = try ws.run(["show", "c", "--config"]).stdout
        let settings = { (yaml: String) in yaml.split(separator: "\n").filter { !$0.hasPrefix("#") } }
        let changed = zip(settings(shown.stdout), settings(varied)).filter { $0.0 != $0.1 }.map { "\($0.1)" }
        #expect(changed.sorted() == ["max-update: 2", "seed: 8"], "\(changed)")
    }

    /// Several --config files layer as Marian's do (a later file wins, the command line over
    /// all); a list stands for a comma-separated flag; relative paths are read from the file's
    /// own directory.
    @Test func configFilesLayerTakeListsAndResolvePathsFromTheirDirectory() throws {
        let ws = try TrainingWorkspace(label: "config-layers")
        try FileManager.default.createDirectory(atPath: ws.path("conf"), withIntermediateDirectories: true)
        try """
        optimizer: radam
        lr: 1e-3
        max-update: 3
        betas: [0.9, 0.99]
        seed: 5
        """.write(toFile: ws.path("base.yaml"), atomically: true, encoding: .utf8)
        try """
        lr: 2e-3
        vocab: ../small.bpe
        """.write(toFile: ws.path("conf/override.yaml"), atomically: true, encoding: .utf8)
        let flags = TrainingWorkspace.modelFlags.filter { $0 != "--vocab" && $0 != "small.bpe" }
        let r = try ws.run(["train", "--name", "layered", "--config", "base.yaml", "--config", "conf/override.yaml", "--seed", "6"] + flags)
        #expect(r.status == 0, "\(r.stderr)")
        let config = try RunStore(path: ws.path("nmt.sqlite")).run(named: "layered").run.configurationJSON
        let object = try #require(try JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any])
        let schedule = try #require(object["schedule"] as? [String: Any]), optimizer = try #require(object["optimizer"] as? [String: Any])
        #expect(schedule["lr"] as? Double == 2e-3, "the later file wins")
        #expect(optimizer["beta2"] as? Double == 0.99 && optimizer["kind"] as? String == "radam", "the earlier file's other keys stay")
        #expect((object["trainer"] as? [String: Any])?["seed"] as? Int == 6, "the command line wins over every file")
        #expect((object["data"] as? [String: Any])?["vocabulary"] as? String == "conf/../small.bpe", "read from the file's directory")
    }

    @Test(arguments: [
        ("lr: 1e-3\nlrr: 2\n", "bad.yaml:2: unknown key 'lrr'"),
        ("seed: [1, 2]\n", "bad.yaml:1: 'seed' takes one value, not a list"),
        ("pre-norm: yes please\n", "bad.yaml:1: 'pre-norm' is a switch"),
        ("dropout:\n  a: 1\n", "bad.yaml:1: 'dropout' must be a value or a list"),
        ("seed: 1\nseed: 2\n", "bad.yaml:1: 'seed' is given more than once"),
        ("seed: 1\n  lr: [\n", "bad.yaml:2: not valid YAML"),
        ("- seed\n", "bad.yaml:1: expected a mapping"),
        ("config: other.yaml\n", "bad.yaml:1: a config file cannot name another"),
        ("seed:\n", "bad.yaml:1: 'seed' has no value"),
        ("seed: abc\n", "bad.yaml:1: 'seed': the value 'abc' is invalid"),
        ("lr: 1e-3\nwarmup: 7\nmax-update: many\n", "bad.yaml:3: 'max-update': the value 'many' is invalid"),
    ])
    func badConfigFilesGiveOneLineErrorsNamingTheLine(text: String, message: String) throws {
        let ws = try TrainingWorkspace(label: "badconfig")
        try text.write(toFile: ws.path("bad.yaml"), atomically: true, encoding: .utf8)
        let r = try ws.run(["train", "--name", "x", "--config", "bad.yaml"])
        #expect(r.status != 0)
        #expect(r.errorLines.count == 1 && r.stderr.contains(message), "\(r.stderr)")
        if FileManager.default.fileExists(atPath: ws.path("nmt.sqlite")) {
            let runs = try RunStore(path: ws.path("nmt.sqlite")).listRuns()
            #expect(runs.isEmpty, "no run is created from a bad file")
        }
    }

    @Test func aMissingConfigFileIsOneLine() throws {
        let ws = try TrainingWorkspace(label: "noconfig")
        for arguments in [["--config", "none.yaml"], ["--config"], ["--config", "a.yaml", "--config", "b.yaml"]] {
            let r = try ws.run(["train", "--name", "x"] + arguments)
            #expect(r.status != 0 && r.errorLines.count == 1, "\(arguments): \(r.stderr)")
        }
    }
}
