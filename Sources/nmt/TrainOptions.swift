import ArgumentParser
import Optim
import Training
import Transformer

extension OptimizerKind: ExpressibleByArgument {}
extension Schedule.Kind: ExpressibleByArgument {}
extension Schedule.WarmupShape: ExpressibleByArgument {}
extension RAdamDegenerate: ExpressibleByArgument {}
extension EpsilonPlacement: ExpressibleByArgument {}
extension Schedule.StepConvention: ExpressibleByArgument {}
extension BestCheckpointMetric: ExpressibleByArgument {}

/// Where runs live; shared by every command that reads or writes runs.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The run database (SQLite).")
    var db: String = "nmt.sqlite"
}

/// The parallel text and vocabulary a run trains on (`nmt train`, `nmt study run`); defaults are
/// the built-in corpus (make data) and its BPE.
struct CorpusOptions: ParsableArguments {
    @Option(help: "Training source text, one sentence per line.") var src = "data/bible/train.es"
    @Option(help: "Training target text, line-aligned with --src.") var tgt = "data/bible/train.en"
    @Option(name: .customLong("valid-src")) var validSrc = "data/bible/valid.es"
    @Option(name: .customLong("valid-tgt")) var validTgt = "data/bible/valid.en"
    @Option(help: "BPE model file (nmt bpe learn).") var vocab = "vocab/bible.8k.bpe"

    func dataFiles(vocabulary: String? = nil) -> RunConfiguration.DataFiles {
        .init(trainSource: src, trainTarget: tgt, validSource: validSrc, validTarget: validTgt, vocabulary: vocabulary ?? vocab)
    }
}

/// Model architecture: a preset, each dimension overridable.
struct ModelOptions: ParsableArguments {
    @Option(help: "Architecture preset: tiny (d 128, 2+2 layers), small (d 256, 3+3), iwslt (d 512, 6+6).")
    var preset: String = "tiny"
    @Option(name: .customLong("d-model"), help: "Model dimension.") var dModel: Int?
    @Option(help: "Attention heads.") var heads: Int?
    @Option(help: "Feed-forward inner dimension.") var ffn: Int?
    @Option(name: .customLong("encoder-layers")) var encoderLayers: Int?
    @Option(name: .customLong("decoder-layers")) var decoderLayers: Int?
    @Option(help: "Dropout on residual connections.") var dropout: Float?
    @Option(name: .customLong("attention-dropout")) var attentionDropout: Float?
    @Option(name: .customLong("relu-dropout")) var reluDropout: Float?
    @Flag(name: .customLong("pre-norm"), help: "Layer norm before each sub-layer (default: after, as in the paper).")
    var preNorm = false

    func resolve(vocabularySize: Int) throws -> TransformerConfig {
        var c = try TransformerConfig.preset(preset, vocabularySize: vocabularySize)
        if let dModel { c.modelDimension = dModel }
        if let heads { c.heads = heads }
        if let ffn { c.ffnDimension = ffn }
        if let encoderLayers { c.encoderLayers = encoderLayers }
        if let decoderLayers { c.decoderLayers = decoderLayers }
        if let dropout { c.dropout = dropout }
        if let attentionDropout { c.attentionDropout = attentionDropout }
        if let reluDropout { c.reluDropout = reluDropout }
        if preNorm { c.normalizeBefore = true }
        try c.validate()
        return c
    }
}

/// Optimizer and learning-rate schedule.
struct OptimizerOptions: ParsableArguments {
    @Option(help: "adam (Adam with decoupled weight decay), radam (Rectified Adam), sgd (momentum).")
    var optimizer: OptimizerKind = .adam
    @Option(parsing: .unconditional, help: "Peak learning rate.") var lr: Double = 5e-4
    @Option(help: ArgumentHelp("Warmup updates (0 = none), or 'untuned' for Ma & Yarats' 2/(1-beta2) updates. Default: 4000 for adam and sgd, 0 for radam.", valueName: "N|untuned"))
    var warmup: [String] = []
    @Option(name: .customLong("warmup-shape"), help: "With --warmup untuned: linear, min(1, t(1-b2)/2), or exponential, 1-exp(-(1-b2)t).")
    var warmupShape: Schedule.WarmupShape = .linear
    @Option(help: "constant, inverse-sqrt or linear. Default: inverse-sqrt (linear for radam when --max-update is set, else constant).")
    var schedule: Schedule.Kind?
    @Option(name: .customLong("warmup-init-lr"), parsing: .unconditional, help: "Learning rate at the start of warmup.") var warmupInitLR: Double = 0
    @Option(name: .customLong("min-lr"), parsing: .unconditional, help: "Final learning rate of the linear schedule.") var minLR: Double = 0
    @Option(help: "Adam betas as 'b1,b2'.") var betas: String = "0.9,0.98"
    @Option(parsing: .unconditional, help: "Adam epsilon.") var eps: Double = 1e-8
    @Option(name: .customLong("eps-placement"), help: "Adam: where epsilon is added: torch (to sqrt(v_hat), torch.optim.Adam; the default) or inside (to sqrt(v) before the sqrt(1-b2^t) factor: fairseq's Adam and the RAdam authors' adam2.py).")
    var epsPlacement: EpsilonPlacement?
    @Option(name: .customLong("lr-convention"), help: "Which schedule position update t takes: fairseq (t-1 updates done, as fairseq and the RAdam authors; the default) or legacy (t, runs of nmt before this option).")
    var lrConvention: Schedule.StepConvention = .fairseq
    @Option(name: .customLong("weight-decay"), parsing: .unconditional, help: "Decoupled weight decay.") var weightDecay: Double = 0
    @Option(name: .customLong("rho-threshold"), help: "RAdam: rectify once ρt exceeds this (5 as torch; 4 as the paper's box).")
    var rhoThreshold: Double = 5
    @Option(help: "SGD momentum.") var momentum: Double = 0.9
    @Option(name: .customLong("radam-degenerate"), help: "RAdam while rho_t is at the threshold or below: sgd (torch: momentum step, rectify when rho_t > 5) or skip (the authors' code: no update, rectify when rho_t >= 5).")
    var radamDegenerate: RAdamDegenerate?
    @Option(name: .customLong("adam-freeze"), help: ArgumentHelp("Adam-2k: for the first N updates only the second moment accumulates (parameters, first moment and weight decay frozen).", valueName: "N"))
    var adamFreeze: String?
    @Flag(name: .customLong("adam-freeze-rescale-lr"), help: "Adam-2k: multiply the learning rate by M/(M-N), M = --max-update (frozen updates included), as the authors' recipe does (M 72000, N 2000: x72/70).")
    var adamFreezeRescaleLR = false
    @Option(name: .customLong("clip-norm"), help: "Global gradient-norm clipping (0 = off).") var clipNorm: Double = 0

    /// What these flags leave to a default that defeats the run, as a warning: Adam's default
    /// warmup not shorter than the run (the rate would still be rising at the end).
    func warnings(schedule: Schedule, maxUpdate: Int) -> [String] {
        guard warmup.isEmpty, schedule.kind != .constant, schedule.warmup > 0, maxUpdate > 0, schedule.warmup >= maxUpdate else { return [] }
        let peak = schedule.learningRate(update: maxUpdate)
        return ["the default warmup for \(optimizer.rawValue) is \(schedule.warmup) updates, not shorter than --max-update \(maxUpdate): "
            + "the rate only reaches \(String(format: "%.2g", peak)) of --lr \(lr); give --warmup N (e.g. \(max(1, maxUpdate / 10))) or --warmup 0"]
    }

    func resolve(maxUpdate: Int) throws -> (OptimizerConfig, Schedule) {
        var o = OptimizerConfig(kind: optimizer)
        let parts = betas.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let b1 = parts[0], let b2 = parts[1] else {
            throw ValidationError("--betas must be two numbers like '0.9,0.98', got '\(betas)'")
        }
        o.beta1 = b1
        o.beta2 = b2
        o.eps = eps
        o.weightDecay = weightDecay
        o.epsPlacement = epsPlacement
        o.rhoThreshold = rhoThreshold
        o.momentum = momentum
        if let radamDegenerate {
            guard optimizer == .radam else { throw ValidationError("--radam-degenerate applies to --optimizer radam only, not \(optimizer.rawValue)") }
            o.radamDegenerate = radamDegenerate
        }
        // Which optimizer a setting applies to, and what it needs, is OptimizerConfig.validate's
        // and Schedule.validate's to say; here only what the library cannot see: how a flag parses.
        if let adamFreeze {
            guard let n = Int(adamFreeze), n >= 0 else { throw ValidationError("--adam-freeze must be a non-negative whole number of updates, got '\(adamFreeze)'") }
            o.adamFreeze = n
        }
        if adamFreezeRescaleLR {
            guard maxUpdate > o.adamFreeze else { throw ValidationError("--adam-freeze-rescale-lr needs --max-update M above --adam-freeze N (the rescale is M/(M-N))") }
            o.adamFreezeRescaleLR = true
        }
        try o.validate()
        var warmupSteps = optimizer == .radam ? 0 : 4000
        var untuned = false
        if warmup.count > 1 {
            throw ValidationError("--warmup is given \(warmup.count) times (\(warmup.joined(separator: ", "))): give one length or 'untuned'")
        }
        if let w = warmup.first {
            if w == "untuned" {
                untuned = true
                warmupSteps = 0
            } else if let n = Int(w), n >= 0 {
                warmupSteps = n
            } else {
                throw ValidationError("--warmup must be a non-negative whole number of updates or 'untuned', got '\(w)'")
            }
        }
        let kind = schedule ?? (optimizer == .radam ? (maxUpdate > 0 ? .linear : .constant) : .inverseSqrt)
        if kind == .constant && warmupSteps > 0 && !warmup.isEmpty {
            throw ValidationError("--schedule constant has no step warmup; use --schedule linear or inverse-sqrt with --warmup \(warmupSteps), or --warmup untuned")
        }
        // Adam-2k's rescale is part of the peak rate the run uses, so it is stored as such.
        let peak = lr * o.learningRateScale(maxUpdate: maxUpdate)
        let s = Schedule(kind: kind, lr: peak, warmup: warmupSteps, warmupInitLR: warmupInitLR, minLR: minLR, maxUpdate: maxUpdate,
                         untunedWarmupBeta2: untuned ? o.beta2 : nil, warmupShape: warmupShape, convention: lrConvention)
        try s.validate()
        return (o, s)
    }
}

import Foundation
