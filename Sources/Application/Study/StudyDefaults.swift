import Training
import Transformer

/// The grids `nmt study plan` and `nmt study run` use when a flag is not given: the default
/// study (the claims of Liu et al. about warmup, Adam without it and RAdam, on the built-in
/// corpus: a grid of learning rates that reaches the rates where arms fail, five seeds, two
/// epochs of the `tiny` model), and `--quick`, a miniature of the same design for tests and
/// `make demo`.
public struct StudyDefaults: Sendable {
    public var arms: [String]
    /// adam-warmup's step-warmup lengths (one arm each); the first is the baseline's.
    public var warmups: [Int]
    public var lrs: [Double]
    public var seeds: [UInt64]
    public var maxUpdate: Int
    /// β2 = 0.98: fairseq's Transformer value; 2/(1−β2) = 100 updates, ~7% of a 1,500-update
    /// run, near the paper's warmup share (4,000 of 70,000 updates).
    public var beta2 = 0.98
    public var weightDecay: Double
    /// adam-2k: the untuned length, as the paper's 2,000 is 2/(1−0.999).
    public var freeze: Int
    public var maxTokens: Int
    public var validEvery: Int
    public var saveEvery: Int
    public var keepLast: Int
    public var averageLast: Int
    public var histogramEvery: Int
    public var testLines: Int?
    /// Updates at which each run's adaptive-rate variance over gradient noise is measured.
    public var gradientNoiseAt: [Int] = []
    /// Overrides of the `tiny` preset (nil = the preset as it is).
    public var model: (@Sendable (inout TransformerConfig) -> Void)?
    public var jobs = 2

    public init(arms: [String], warmups: [Int], lrs: [Double], seeds: [UInt64], maxUpdate: Int, weightDecay: Double, freeze: Int, maxTokens: Int,
                validEvery: Int, saveEvery: Int, keepLast: Int, averageLast: Int, histogramEvery: Int, testLines: Int?,
                model: (@Sendable (inout TransformerConfig) -> Void)?, gradientNoiseAt: [Int] = []) {
        self.arms = arms; self.warmups = warmups; self.lrs = lrs; self.seeds = seeds; self.maxUpdate = maxUpdate; self.weightDecay = weightDecay
        self.freeze = freeze; self.maxTokens = maxTokens; self.validEvery = validEvery; self.saveEvery = saveEvery; self.keepLast = keepLast
        self.averageLast = averageLast; self.histogramEvery = histogramEvery; self.testLines = testLines; self.model = model
        self.gradientNoiseAt = gradientNoiseAt
    }

    /// Learning rates doubling from 5e-4 to 1.6e-2: a pilot found Adam without warmup failing
    /// between 2e-3 and 4e-3 and every arm between 4e-3 and 1.6e-2 (docs/study-method.md).
    public static let doublingLRs = [5e-4, 1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2]

    public static let full = StudyDefaults(arms: ["adam", "adam-warmup", "adam-untuned", "radam", "control"], warmups: [200],
                                           lrs: doublingLRs, seeds: [1, 2, 3, 4, 5], maxUpdate: 1500, weightDecay: 1e-4, freeze: 100,
                                           maxTokens: 1024, validEvery: 100, saveEvery: 100, keepLast: 5, averageLast: 5,
                                           histogramEvery: 500, testLines: nil, model: nil)

    /// Every arm of the catalog at two learning rates and two seeds, 40 updates of a small model.
    public static let quick = StudyDefaults(arms: ["adam", "adam-warmup", "adam-untuned", "adam-2k", "adam-eps", "radam", "radam-skip",
                                                   "adam-preln", "control"], warmups: [12],
                                            lrs: [1e-3, 3e-3], seeds: [1, 2], maxUpdate: 40, weightDecay: 0, freeze: 6,
                                            maxTokens: 1024, validEvery: 10, saveEvery: 10, keepLast: 3, averageLast: 3,
                                            histogramEvery: 10, testLines: 100, model: { c in
                                                c.modelDimension = 64; c.heads = 2; c.ffnDimension = 128
                                                c.encoderLayers = 1; c.decoderLayers = 1
                                            }, gradientNoiseAt: [1, 10])
}
