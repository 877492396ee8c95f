import Foundation

/// One parameter group's adaptive-rate variance over gradient noise at one update
/// (`Training.GradientNoise` measures it; schema 9 stores it). What the columns mean:
/// `GradientNoise`'s documentation.
public struct GradientNoiseRecord: Codable, Equatable, Sendable {
    public var update: Int
    public var group: String
    public var batches: Int
    public var learningRate: Double
    public var rectification: Double?
    public var adaptive: Bool
    public var coordinates: Int
    public var psiMean: Double
    public var psiVarianceMean: Double
    public var psiVarianceMedian: Double
    public var psiCV2Median: Double

    public init(update: Int, group: String, batches: Int, learningRate: Double, rectification: Double?, adaptive: Bool, coordinates: Int,
                psiMean: Double, psiVarianceMean: Double, psiVarianceMedian: Double, psiCV2Median: Double) {
        self.update = update; self.group = group; self.batches = batches; self.learningRate = learningRate
        self.rectification = rectification; self.adaptive = adaptive; self.coordinates = coordinates; self.psiMean = psiMean
        self.psiVarianceMean = psiVarianceMean; self.psiVarianceMedian = psiVarianceMedian; self.psiCV2Median = psiCV2Median
    }
}

extension RunStore {
    /// Stores a run's measurements, replacing any earlier one at the same update and group.
    public func recordGradientNoise(run name: String, _ records: [GradientNoiseRecord]) throws {
        let runID = try requireRunID(name)
        try database.transaction {
            let insert = try database.prepare("""
                INSERT OR REPLACE INTO gradient_noise (run_id, update_step, group_name, batches, learning_rate, r_t, adaptive, coordinates,
                    psi_mean, psi_variance_mean, psi_variance_median, psi_cv2_median) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                """)
            for r in records {
                insert.reset()
                try insert.bind(.int(runID), .int(Int64(r.update)), .text(r.group), .int(Int64(r.batches)), .double(r.learningRate),
                                .optional(r.rectification), .int(r.adaptive ? 1 : 0), .int(Int64(r.coordinates)), .double(r.psiMean),
                                .double(r.psiVarianceMean), .double(r.psiVarianceMedian), .double(r.psiCV2Median))
                try insert.run()
            }
        }
    }

    public func gradientNoise(run name: String) throws -> [GradientNoiseRecord] {
        let runID = try requireRunID(name)
        let query = try database.prepare("SELECT * FROM gradient_noise WHERE run_id = ?1 ORDER BY update_step, group_name")
        try query.bind(.int(runID))
        var rows: [GradientNoiseRecord] = []
        while try query.step() {
            rows.append(GradientNoiseRecord(
                update: query.int("update_step"), group: query.text("group_name"), batches: query.int("batches"),
                learningRate: query.double("learning_rate"), rectification: query.optionalDouble("r_t"), adaptive: query.int("adaptive") != 0,
                coordinates: query.int("coordinates"), psiMean: query.double("psi_mean"), psiVarianceMean: query.double("psi_variance_mean"),
                psiVarianceMedian: query.double("psi_variance_median"), psiCV2Median: query.double("psi_cv2_median")))
        }
        return rows
    }
}
