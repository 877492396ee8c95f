import Foundation
import TestSupport
@testable import Store

enum StoreFixtures {
    static func temporaryPath(_ name: String = "runs.sqlite") throws -> String {
        try TemporaryDirectory.untilExit("store-tests").appendingPathComponent(name).path
    }

    static func newRun(_ name: String, optimizer: String = "radam", learningRate: Double = 5e-4, warmup: Int = 0,
                       startedAt: Double = 1_700_000_000) -> NewRun {
        NewRun(name: name, configurationJSON: #"{"optimizer":"\#(optimizer)","lr":\#(learningRate)}"#,
               corpus: [CorpusFile(role: "train.source", path: "data/bible/train.es", sha256: String(repeating: "a", count: 64)),
                        CorpusFile(role: "train.target", path: "data/bible/train.en", sha256: String(repeating: "b", count: 64))],
               vocabularySHA256: String(repeating: "c", count: 64), seed: UInt64.max - 7, toolVersion: "0.1.0",
               gitCommit: "abc1234", blas: "OpenBLAS SkylakeX, 2 threads", optimizer: optimizer,
               learningRate: learningRate, warmupSteps: warmup, startedAt: Date(timeIntervalSince1970: startedAt))
    }

    static func payload(_ seed: Float, count: Int = 1000) -> CheckpointPayload {
        CheckpointPayload(weights: (0..<count).map { Float($0) * 0.001 + seed },
                          optimizerState: Data((0..<(2 * count)).map { UInt8(truncatingIfNeeded: $0 &+ Int(seed)) }),
                          trainingState: Data(#"{"step":\#(Int(seed)),"rng":[1,2,3]}"#.utf8))
    }

    static func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }
}
