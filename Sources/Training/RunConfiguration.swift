import Foundation
import Optim
import Transformer

/// Everything that defines a run, resolved once and stored verbatim (as JSON) with it; a
/// resumed run is rebuilt from this value alone.
public struct RunConfiguration: Codable, Equatable, Sendable {
    public struct DataFiles: Codable, Equatable, Sendable {
        public var trainSource: String
        public var trainTarget: String
        public var validSource: String
        public var validTarget: String
        public var vocabulary: String

        public init(trainSource: String, trainTarget: String, validSource: String, validTarget: String, vocabulary: String) {
            self.trainSource = trainSource
            self.trainTarget = trainTarget
            self.validSource = validSource
            self.validTarget = validTarget
            self.vocabulary = vocabulary
        }
    }

    public var preset: String
    public var model: TransformerConfig
    public var optimizer: OptimizerConfig
    public var schedule: Schedule
    public var trainer: TrainerSettings
    public var data: DataFiles
    public var threads: Int

    public init(preset: String, model: TransformerConfig, optimizer: OptimizerConfig, schedule: Schedule,
                trainer: TrainerSettings, data: DataFiles, threads: Int) {
        self.preset = preset
        self.model = model
        self.optimizer = optimizer
        self.schedule = schedule
        self.trainer = trainer
        self.data = data
        self.threads = threads
    }

    public func validate() throws {
        try model.validate()
        try optimizer.validate()
        try schedule.validate()
        try trainer.validate()
        if threads < 1 { throw TrainingError.invalidSetting("--threads must be at least 1, got \(threads)") }
        if trainer.maxLength + 2 > model.maxPositions {
            throw TrainingError.invalidSetting("--max-len \(trainer.maxLength) needs more positions than the model has (\(model.maxPositions))")
        }
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public static func decode(json: String) throws -> RunConfiguration {
        do { return try JSONDecoder().decode(RunConfiguration.self, from: Data(json.utf8)) }
        catch { throw TrainingError.badState("the run's stored configuration cannot be read: \(error)") }
    }
}
