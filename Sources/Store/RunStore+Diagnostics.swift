import Foundation

/// One parameter group's adaptive-rate diagnostics at one update (`diagnostics` table).
/// ψ = √(1 − β2^t)/(√v + ε); for RAdam's rectified updates rt is kept, so rt·ψ's mean,
/// variance and percentiles are rt·, rt²· and rt· those of ψ.
public struct DiagnosticRow: Equatable, Sendable {
    public var update: Int
    public var group: String
    public var coordinates: Int
    public var psiMean: Double?
    public var psiVariance: Double?
    public var psiCV: Double?
    public var psiP01: Double?
    public var psiP50: Double?
    public var psiP99: Double?
    public var rectification: Double?
    public var gradientNorm: Double
    public var updateNorm: Double
    public var parameterNorm: Double
    public var relativeUpdate: Double? { parameterNorm > 0 ? updateNorm / parameterNorm : nil }

    public init(update: Int, group: String, coordinates: Int, psiMean: Double?, psiVariance: Double?, psiCV: Double?, psiP01: Double?,
                psiP50: Double?, psiP99: Double?, rectification: Double?, gradientNorm: Double, updateNorm: Double, parameterNorm: Double) {
        self.update = update
        self.group = group
        self.coordinates = coordinates
        self.psiMean = psiMean
        self.psiVariance = psiVariance
        self.psiCV = psiCV
        self.psiP01 = psiP01
        self.psiP50 = psiP50
        self.psiP99 = psiP99
        self.rectification = rectification
        self.gradientNorm = gradientNorm
        self.updateNorm = updateNorm
        self.parameterNorm = parameterNorm
    }
}

/// Counts of |g| per fixed log-spaced bin for one group at one update (`gradient_histograms`).
public struct HistogramRow: Equatable, Sendable {
    public var update: Int
    public var group: String
    public var counts: [Int]
    public init(update: Int, group: String, counts: [Int]) {
        self.update = update
        self.group = group
        self.counts = counts
    }
}

extension RunStore {
    /// One update's rows in one transaction; a resumed run repeating an update replaces them.
    public func appendDiagnostics(_ rows: [DiagnosticRow], histograms: [HistogramRow], run name: String) throws {
        let id = try requireRunID(name)
        try database.transaction {
            let insert = try database.prepare("""
                INSERT OR REPLACE INTO diagnostics (run_id, update_step, group_name, coordinates, psi_mean, psi_variance, psi_cv,
                    psi_p01, psi_p50, psi_p99, r_t, gradient_norm, update_norm, parameter_norm, group_index)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                """)
            for (index, r) in rows.enumerated() {
                insert.reset()
                try insert.bind(.int(id), .int(Int64(r.update)), .text(r.group), .int(Int64(r.coordinates)), .optional(r.psiMean),
                                .optional(r.psiVariance), .optional(r.psiCV), .optional(r.psiP01), .optional(r.psiP50), .optional(r.psiP99),
                                .optional(r.rectification), .double(r.gradientNorm), .double(r.updateNorm), .double(r.parameterNorm),
                                .int(Int64(index)))
                try insert.run()
            }
            let hist = try database.prepare("""
                INSERT OR REPLACE INTO gradient_histograms (run_id, update_step, group_name, counts_json) VALUES (?1, ?2, ?3, ?4)
                """)
            for h in histograms {
                hist.reset()
                try hist.bind(.int(id), .int(Int64(h.update)), .text(h.group), .text("[" + h.counts.map(String.init).joined(separator: ",") + "]"))
                try hist.run()
            }
        }
    }

    /// Diagnostics rows by update, then in the order the groups were written.
    public func diagnostics(run name: String) throws -> [DiagnosticRow] {
        let query = try database.prepare("""
            SELECT update_step, group_name, coordinates, psi_mean, psi_variance, psi_cv, psi_p01, psi_p50, psi_p99, r_t,
                   gradient_norm, update_norm, parameter_norm
            FROM diagnostics WHERE run_id = ?1 ORDER BY update_step, group_index
            """)
        try query.bind(.int(try requireRunID(name)))
        var rows: [DiagnosticRow] = []
        while try query.step() {
            rows.append(DiagnosticRow(update: query.int("update_step"), group: query.text("group_name"), coordinates: query.int("coordinates"),
                                      psiMean: query.optionalDouble("psi_mean"), psiVariance: query.optionalDouble("psi_variance"),
                                      psiCV: query.optionalDouble("psi_cv"), psiP01: query.optionalDouble("psi_p01"),
                                      psiP50: query.optionalDouble("psi_p50"), psiP99: query.optionalDouble("psi_p99"),
                                      rectification: query.optionalDouble("r_t"), gradientNorm: query.double("gradient_norm"),
                                      updateNorm: query.double("update_norm"), parameterNorm: query.double("parameter_norm")))
        }
        return rows
    }

    public func gradientHistograms(run name: String) throws -> [HistogramRow] {
        let query = try database.prepare("""
            SELECT update_step, group_name, counts_json FROM gradient_histograms WHERE run_id = ?1 ORDER BY update_step, group_name
            """)
        try query.bind(.int(try requireRunID(name)))
        var rows: [HistogramRow] = []
        while try query.step() {
            let text = query.text("counts_json")
            let counts = text.dropFirst().dropLast().split(separator: ",").compactMap { Int($0) }
            rows.append(HistogramRow(update: query.int("update_step"), group: query.text("group_name"), counts: counts))
        }
        return rows
    }
}
