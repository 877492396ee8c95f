// Plain values going in and out of the run database. No training types: configuration is JSON
// text, weights and optimizer state are flat Float32 arrays, training state is opaque bytes.
import Foundation

public enum RunStatus: String, Sendable, CaseIterable {
    case running, finished, failed, interrupted
}

/// Why a checkpoint was written. Stored by name; the schema's CHECK constraint (migration 4)
/// admits exactly these, and reading any other value is an error naming the run.
public enum CheckpointKind: String, Sendable, CaseIterable {
    /// Every `--save-every` updates.
    case periodic
    /// At the end of an epoch.
    case epoch
    /// When the run reached a limit.
    case final
    /// When a signal stopped the run.
    case interrupted
    /// Written by `nmt average`: never resumed from, never pruned.
    case average
}

public struct CorpusFile: Equatable, Sendable {
    /// What the file is for, e.g. "train.source", "valid.target".
    public var role: String
    public var path: String
    public var sha256: String

    public init(role: String, path: String, sha256: String) {
        self.role = role
        self.path = path
        self.sha256 = sha256
    }
}

/// Everything known about a run when it starts.
public struct NewRun: Equatable, Sendable {
    public var name: String
    /// The full resolved configuration, verbatim.
    public var configurationJSON: String
    public var corpus: [CorpusFile]
    public var vocabularySHA256: String
    public var seed: UInt64
    public var toolVersion: String
    public var gitCommit: String
    public var blas: String
    /// Denormalized from the configuration for `nmt runs`.
    public var optimizer: String
    public var learningRate: Double
    public var warmupSteps: Int
    public var startedAt: Date

    public init(name: String, configurationJSON: String, corpus: [CorpusFile], vocabularySHA256: String, seed: UInt64,
                toolVersion: String, gitCommit: String, blas: String, optimizer: String, learningRate: Double,
                warmupSteps: Int, startedAt: Date = Date()) {
        self.name = name
        self.configurationJSON = configurationJSON
        self.corpus = corpus
        self.vocabularySHA256 = vocabularySHA256
        self.seed = seed
        self.toolVersion = toolVersion
        self.gitCommit = gitCommit
        self.blas = blas
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.startedAt = startedAt
    }
}

public struct RunRecord: Equatable, Sendable {
    public var id: Int64
    public var run: NewRun
    public var endedAt: Date?
    public var status: RunStatus
}

/// One training log line (every --log-every updates).
public struct MetricRow: Equatable, Sendable {
    public var update: Int
    public var epoch: Int
    public var trainLoss: Double
    public var nll: Double
    public var learningRate: Double
    public var gradientNorm: Double
    public var tokensPerSecond: Double
    public var wallSeconds: Double
    /// RAdam's length of the approximated SMA and its rectification term; nil for other optimizers
    /// and while RAdam is not rectifying.
    public var rho: Double?
    public var r: Double?
    /// The schedule's warmup factor ωt (lr = ωt · base rate); nil in rows written before it was kept.
    public var warmupFactor: Double?

    public init(update: Int, epoch: Int, trainLoss: Double, nll: Double, learningRate: Double, gradientNorm: Double,
                tokensPerSecond: Double, wallSeconds: Double, rho: Double? = nil, r: Double? = nil, warmupFactor: Double? = nil) {
        self.update = update
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.nll = nll
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
        self.tokensPerSecond = tokensPerSecond
        self.wallSeconds = wallSeconds
        self.rho = rho
        self.r = r
        self.warmupFactor = warmupFactor
    }
}

public struct ValidationRow: Equatable, Sendable {
    public var update: Int
    public var epoch: Int
    public var validLoss: Double
    public var nll: Double
    public var perplexity: Double
    public var bleu: Double?
    public var chrF: Double?

    public init(update: Int, epoch: Int, validLoss: Double, nll: Double, perplexity: Double, bleu: Double? = nil, chrF: Double? = nil) {
        self.update = update
        self.epoch = epoch
        self.validLoss = validLoss
        self.nll = nll
        self.perplexity = perplexity
        self.bleu = bleu
        self.chrF = chrF
    }
}

/// The three parts of a checkpoint, each stored as a BLOB with its SHA-256. Weights are stored as
/// raw little-endian Float32 bytes; the optimizer state is the optimizer's own serialization.
public struct CheckpointPayload: Equatable, Sendable {
    public var weights: [Float]
    public var optimizerState: Data
    /// Small serialized training state (step, schedule, RNG, data position), e.g. JSON.
    public var trainingState: Data

    public init(weights: [Float], optimizerState: Data, trainingState: Data) {
        self.weights = weights
        self.optimizerState = optimizerState
        self.trainingState = trainingState
    }
}

public struct CheckpointInfo: Equatable, Sendable {
    public var id: Int64
    public var update: Int
    public var epoch: Int
    public var createdAt: Date
    public var validLoss: Double?
    public var kind: CheckpointKind
    /// The run's best-checkpoint metric at this checkpoint, lower is better (loss, −BLEU,
    /// −chrF); nil when it was not taken at a validation. "best" is the lowest (for rows
    /// without one, the lowest validLoss).
    public var selectionValue: Double?

    public init(id: Int64, update: Int, epoch: Int, createdAt: Date, validLoss: Double?, kind: CheckpointKind, selectionValue: Double? = nil) {
        self.id = id; self.update = update; self.epoch = epoch; self.createdAt = createdAt
        self.validLoss = validLoss; self.kind = kind; self.selectionValue = selectionValue
    }

    /// What "best" ranks by.
    public var rankValue: Double? { selectionValue ?? validLoss }
}

public struct Checkpoint: Equatable, Sendable {
    public var info: CheckpointInfo
    public var payload: CheckpointPayload
}

public enum CheckpointSelector: Equatable, Sendable, CustomStringConvertible {
    /// Best by validation loss and last by update, among training checkpoints.
    case best, last
    /// The newest averaged checkpoint (`nmt average`).
    case average
    case id(Int64)

    /// "best", "last", "avg" or a checkpoint id.
    public init?(_ text: String) {
        switch text {
        case "best": self = .best
        case "last": self = .last
        case "avg", "average": self = .average
        default:
            guard let id = Int64(text) else { return nil }
            self = .id(id)
        }
    }

    public var description: String {
        switch self {
        case .best: return "best"
        case .last: return "last"
        case .average: return "avg"
        case .id(let id): return "\(id)"
        }
    }
}

public struct EvaluationRecord: Equatable, Sendable {
    public var checkpointID: Int64?
    public var checkpointUpdate: Int?
    public var split: String
    public var decodingJSON: String
    public var bleu: Double
    public var chrF: Double
    public var signature: String
    public var hypothesisSHA256: String
    public var createdAt: Date
    /// The translations themselves, one per line (schema 5; nil for older evaluations), so two
    /// evaluations of a split can be tested for significance without translating again.
    public var hypotheses: String?

    public init(checkpointID: Int64?, checkpointUpdate: Int?, split: String, decodingJSON: String, bleu: Double,
                chrF: Double, signature: String, hypothesisSHA256: String, createdAt: Date = Date(), hypotheses: String? = nil) {
        self.hypotheses = hypotheses
        self.checkpointID = checkpointID
        self.checkpointUpdate = checkpointUpdate
        self.split = split
        self.decodingJSON = decodingJSON
        self.bleu = bleu
        self.chrF = chrF
        self.signature = signature
        self.hypothesisSHA256 = hypothesisSHA256
        self.createdAt = createdAt
    }
}

/// One line of `nmt runs`.
public struct RunSummary: Equatable, Sendable {
    public var name: String
    public var optimizer: String
    public var learningRate: Double
    public var warmupSteps: Int
    /// Highest update logged, nil before the first log line.
    public var updates: Int?
    public var bestValidLoss: Double?
    /// Best validation BLEU during training (never a test-set score).
    public var bestBLEU: Double?
    public var status: RunStatus
}
