import Application
import ArgumentParser
import Foundation
import Training

/// `nmt train --config run.yaml` and `nmt show NAME --config`: train settings as a YAML file
/// whose keys are the flags' own names, so a file and a command line say the same thing.
enum TrainConfigFile {
    /// The flags that a stored run does not determine: naming it, where it is, how it is resumed,
    /// or how much is printed (and the file option itself).
    static let notStored: Set<String> = ["config", "name", "resume", "db", "quiet", "learn-vocab", "help"]

    struct Flag { var isOption: Bool; var isRepeating: Bool }

    /// Every long name `nmt train` accepts, read from the parser's own description of the
    /// command (its `--experimental-dump-help` JSON), so no list of flags is kept by hand.
    static let trainFlags: [String: Flag] = {
        var flags: [String: Flag] = [:]
        guard let info = try? JSONDecoder().decode(DumpedHelp.self, from: Data(TrainCommand._dumpHelp().utf8)) else { return flags }
        for argument in info.command.arguments ?? [] where argument.kind != "positional" {
            for name in argument.names ?? [] where name.kind == "long" {
                flags[name.name] = Flag(isOption: argument.kind == "option", isRepeating: argument.isRepeating)
            }
        }
        return flags
    }()

    /// The part of ArgumentParser's ToolInfoV0 JSON read here.
    private struct DumpedHelp: Decodable {
        struct Command: Decodable { var arguments: [Argument]? }
        struct Argument: Decodable { var kind: String; var isRepeating: Bool; var names: [Name]? }
        struct Name: Decodable { var kind: String; var name: String }
        var command: Command
    }

    /// `arguments` (after the program name) with a train command's `--config FILE`s replaced by
    /// the files' settings, placed first. Several files are layered as Marian does: a later file
    /// wins over an earlier one, and the command line over every file.
    /// With the arguments, the file and line each argument from a file came from ("--lr=abc" →
    /// "run.yaml:3"), so a value the parser refuses is reported where it was written.
    static func expandNamingPlaces(_ arguments: [String]) throws -> (arguments: [String], places: [String: String]) {
        guard arguments.first == "train" else { return (arguments, [:]) }
        var rest = Array(arguments.dropFirst())
        var paths: [String] = []
        var i = 0
        while i < rest.count, rest[i] != "--" {
            if rest[i] == "--config" {
                guard i + 1 < rest.count else { throw ValidationError("--config needs a file name") }
                paths.append(rest[i + 1])
                rest.removeSubrange(i...(i + 1))
            } else if rest[i].hasPrefix("--config=") {
                paths.append(String(rest[i].dropFirst("--config=".count)))
                rest.remove(at: i)
            } else {
                i += 1
            }
        }
        guard !paths.isEmpty else { return (arguments, [:]) }
        var taken = Set(rest.prefix { $0 != "--" }.compactMap { argument -> String? in
            guard argument.hasPrefix("--") else { return nil }
            return String(argument.dropFirst(2).prefix { $0 != "=" })
        })
        // From the last file to the first, each takes the keys nothing later has set.
        var layers: [[String]] = []
        var places: [String: String] = [:]
        for path in paths.reversed() {
            let file = try ConfigFile(path: path)
            layers.insert(try commandLine(from: file, path: path, skipping: taken) { argument, place in places[argument] = place }, at: 0)
            taken.formUnion(file.entries.map(\.key))
        }
        return (["train"] + layers.joined() + rest, places)
    }

    /// ArgumentParser's "The value 'V' is invalid for '--KEY …'" about a value from a file, as
    /// one line naming the file and line; nil for any other message.
    static func placed(_ message: String, places: [String: String]) -> String? {
        let prefix = "The value '", middle = "' is invalid for '--"
        guard message.hasPrefix(prefix), let split = message.range(of: middle) else { return nil }
        let value = String(message[message.index(message.startIndex, offsetBy: prefix.count)..<split.lowerBound])
        let key = String(message[split.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" })
        guard let place = places["--\(key)=\(value)"] else { return nil }
        return "\(place): '\(key)': the value '\(value)' is invalid"
    }

    /// Flags whose one value is a comma-separated list, so a YAML list may stand for it.
    static let commaListKeys: Set<String> = ["betas"]

    /// Keys whose values are file paths: a relative one is read relative to the config file
    /// (unless the file is a pipe, e.g. `<(nmt show A --config)`: then relative to here).
    static let pathKeys: Set<String> = ["src", "tgt", "valid-src", "valid-tgt", "vocab", "db"]

    /// The directory relative paths in `path` are taken from (nil: the current one).
    static func baseDirectory(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty || directory == "." ? nil : directory
    }

    /// The command-line form of a file's entries.
    static func commandLine(from file: ConfigFile, path: String, skipping given: Set<String> = [],
                            placed: (String, String) -> Void = { _, _ in }) throws -> [String] {
        var out: [String] = []
        let base = baseDirectory(of: path)
        for var entry in file.entries {
            if let base, pathKeys.contains(entry.key), case .text(let value) = entry.value, !value.hasPrefix("/") {
                entry.value = .text(base + "/" + value)
            }
            let place = "\(path):\(entry.line)"
            guard let flag = trainFlags[entry.key], entry.key != "help" else {
                throw ApplicationError("\(place): unknown key '\(entry.key)': not a flag of nmt train (nmt train --help lists them)")
            }
            if entry.key == "config" { throw ApplicationError("\(place): a config file cannot name another (config)") }
            if given.contains(entry.key) { continue }
            let before = out.count
            defer { for argument in out[before...] { placed(argument, place) } }
            switch (entry.value, flag.isOption) {
            case (.boolean(let on), false):
                if on { out.append("--\(entry.key)") }
            case (_, false):
                throw ApplicationError("\(place): '\(entry.key)' is a switch: write true or false")
            case (.text(let text), true):
                out.append("--\(entry.key)=\(text)")
            case (.boolean(let on), true):
                out.append("--\(entry.key)=\(on)")
            case (.list(let items), true) where flag.isRepeating:
                out += items.map { "--\(entry.key)=\($0)" }
            case (.list(let items), true) where commaListKeys.contains(entry.key):
                // betas: [0.9, 0.98] is --betas=0.9,0.98.
                out.append("--\(entry.key)=\(items.joined(separator: ","))")
            case (.list, true):
                throw ApplicationError("\(place): '\(entry.key)' takes one value, not a list")
            }
        }
        return out
    }

    /// The settings of a stored run as a file `--config` accepts: training with it (under
    /// another name) gives the same configuration.
    static func file(for c: RunConfiguration) -> ConfigFile {
        var entries: [ConfigFile.Entry] = []
        func add(_ key: String, _ value: String) { entries.append(.init(key: key, value: .text(value))) }
        func flag(_ key: String, _ on: Bool) { entries.append(.init(key: key, value: .boolean(on))) }
        // Model: the preset and every dimension, so a changed preset cannot change the rerun.
        add("preset", c.preset)
        add("d-model", String(c.model.modelDimension))
        add("heads", String(c.model.heads))
        add("ffn", String(c.model.ffnDimension))
        add("encoder-layers", String(c.model.encoderLayers))
        add("decoder-layers", String(c.model.decoderLayers))
        add("dropout", String(c.model.dropout))
        add("attention-dropout", String(c.model.attentionDropout))
        add("relu-dropout", String(c.model.reluDropout))
        flag("pre-norm", c.model.normalizeBefore)
        // Corpus.
        add("src", c.data.trainSource)
        add("tgt", c.data.trainTarget)
        add("valid-src", c.data.validSource)
        add("valid-tgt", c.data.validTarget)
        add("vocab", c.data.vocabulary)
        // Optimizer and schedule.
        let o = c.optimizer, s = c.schedule
        add("optimizer", o.kind.rawValue)
        add("lr", String(commandLineRate(storedPeak: s.lr, scale: o.learningRateScale(maxUpdate: c.trainer.maxUpdate))))
        add("warmup", s.untunedWarmupBeta2 != nil ? "untuned" : String(s.warmup))
        add("warmup-shape", s.warmupShape.rawValue)
        add("schedule", s.kind.rawValue)
        add("lr-convention", s.convention.rawValue)
        add("warmup-init-lr", String(s.warmupInitLR))
        add("min-lr", String(s.minLR))
        add("betas", "\(o.beta1),\(o.beta2)")
        add("eps", String(o.eps))
        if let placement = o.epsPlacement { add("eps-placement", placement.rawValue) }
        add("weight-decay", String(o.weightDecay))
        add("rho-threshold", String(o.rhoThreshold))
        add("momentum", String(o.momentum))
        if o.kind == .radam { add("radam-degenerate", o.radamDegenerate.rawValue) }
        if o.adamFreeze > 0 { add("adam-freeze", String(o.adamFreeze)) }
        flag("adam-freeze-rescale-lr", o.adamFreezeRescaleLR)
        add("clip-norm", String(c.trainer.clipNorm))
        // Batches, limits, validation, checkpoints.
        let t = c.trainer
        add("max-tokens", String(t.maxTokens))
        add("max-len", String(t.maxLength))
        add("update-freq", String(t.updateFreq))
        add("label-smoothing", String(t.labelSmoothing))
        if t.maxUpdate > 0 { add("max-update", String(t.maxUpdate)) }
        if t.maxEpoch > 0 { add("max-epoch", String(t.maxEpoch)) }
        if t.maxTimeSeconds > 0 { add("max-time", String(t.maxTimeSeconds)) }
        add("valid-every", String(t.validEvery))
        add("log-every", String(t.logEvery))
        add("save-every", String(t.saveEvery))
        add("keep-last", String(t.keepLast))
        add("patience", String(t.patience))
        add("seed", String(t.seed))
        flag("eval-bleu", t.evalBLEUBeam > 0)
        if t.evalBLEUBeam > 0 { add("eval-bleu-beam", String(t.evalBLEUBeam)) }
        add("best-checkpoint-metric", t.selectionMetric.rawValue)
        flag("no-diagnostics", !t.diagnostics)
        add("histogram-every", String(t.histogramEvery))
        if let limit = t.nonFiniteLimit { add("nonfinite-limit", String(limit)) }
        flag("source-blind", t.sourceBlind == true)
        add("threads", String(c.threads))
        return ConfigFile(entries: entries)
    }

    /// The --lr that gives `storedPeak` once multiplied by `scale` (Adam-2k's rescale is stored
    /// in the peak): the nearest Double whose product is exactly the stored one, if any.
    static func commandLineRate(storedPeak: Double, scale: Double) -> Double {
        guard scale != 1 else { return storedPeak }
        var candidate = storedPeak / scale
        for _ in 0..<4 where candidate * scale != storedPeak {
            candidate = candidate * scale < storedPeak ? candidate.nextUp : candidate.nextDown
        }
        return candidate
    }
}
