import Training
import Transformer

/// The grids `nmt study run` uses when a flag is not given: the default study, sized to finish
/// within two hours on a 2-core machine on the built-in corpus, and `--quick`, a miniature of
/// the same grid (every arm) for tests and `make demo`.
public struct StudyDefaults: Sendable {
    public var arms: [StudyArm] = StudyArm.allCases
    public var lrs: [Double]
    public var seeds: [UInt64]
    public var maxUpdate: Int
    /// β2 = 0.98: fairseq's Transformer value, and 2/(1−β2) = 100 updates, short enough for
    /// runs of a few hundred updates to show the whole rectification / untuned warmup.
    public var beta2 = 0.98
    /// `adam-warmup`: twice the untuned length, as the paper's 4,000 is twice 2/(1−0.999).
    public var warmup: Int
    /// `adam-2k`: the untuned length, as the paper's 2,000 is 2/(1−0.999).
    public var freeze: Int
    public var maxTokens: Int
    public var validEvery: Int
    public var saveEvery: Int
    public var keepLast: Int
    public var averageLast: Int
    public var histogramEvery: Int
    public var testLines: Int?
    /// Overrides of the `tiny` preset (nil = the preset as it is).
    public var model: (@Sendable (inout TransformerConfig) -> Void)?
    public var jobs = 2

    public static let full = StudyDefaults(lrs: [5e-4, 1e-3, 2e-3], seeds: [1, 2], maxUpdate: 500, warmup: 200, freeze: 100,
                                           maxTokens: 1024, validEvery: 50, saveEvery: 50, keepLast: 5, averageLast: 5,
                                           histogramEvery: 100, testLines: nil, model: nil)

    public static let quick = StudyDefaults(lrs: [1e-3, 3e-3], seeds: [1, 2], maxUpdate: 40, warmup: 12, freeze: 6,
                                            maxTokens: 1024, validEvery: 10, saveEvery: 10, keepLast: 3, averageLast: 3,
                                            histogramEvery: 10, testLines: 100, model: { c in
                                                c.modelDimension = 64; c.heads = 2; c.ffnDimension = 128
                                                c.encoderLayers = 1; c.decoderLayers = 1
                                            })
}
