import Foundation
import Store

/// A run's recorded curves as one table keyed by update: the training metrics rows and the
/// validation rows merged (a column is nil where that kind of row was not recorded), which
/// is what `nmt metrics` writes as CSV, JSON lines or TensorBoard scalars.
public struct MetricsTable: Sendable {
    /// A column: its name in CSV/JSON, its TensorBoard tag, and its value in a row.
    public struct Column: Sendable {
        public var name: String
        public var tag: String
        let value: @Sendable (Row) -> Double?
    }

    public struct Row: Sendable {
        public var update: Int
        public var epoch: Int
        public var train: MetricRow?
        public var validation: ValidationRow?
        /// Training seconds when the row was recorded (the validation's from the last metrics row
        /// at or before it, as validations do not record their own).
        public var wallSeconds: Double?
    }

    public var rows: [Row]
    /// When the run started, for absolute times (TensorBoard's wall_time).
    public var startedAt: Date

    public static let columns: [Column] = [
        Column(name: "wall_seconds", tag: "") { $0.wallSeconds },
        Column(name: "train_loss", tag: "train/loss") { $0.train?.trainLoss },
        Column(name: "train_nll", tag: "train/nll") { $0.train?.nll },
        Column(name: "lr", tag: "train/lr") { $0.train?.learningRate },
        Column(name: "grad_norm", tag: "train/grad_norm") { $0.train?.gradientNorm },
        Column(name: "tokens_per_second", tag: "train/tokens_per_second") { $0.train?.tokensPerSecond },
        Column(name: "rho_t", tag: "train/rho_t") { $0.train?.rho },
        Column(name: "r_t", tag: "train/r_t") { $0.train?.r },
        Column(name: "warmup_factor", tag: "train/warmup_factor") { $0.train?.warmupFactor },
        Column(name: "valid_loss", tag: "valid/loss") { $0.validation?.validLoss },
        Column(name: "valid_nll", tag: "valid/nll") { $0.validation?.nll },
        Column(name: "valid_ppl", tag: "valid/ppl") { $0.validation?.perplexity },
        Column(name: "valid_bleu", tag: "valid/bleu") { $0.validation?.bleu },
        Column(name: "valid_chrf", tag: "valid/chrf") { $0.validation?.chrF },
    ]

    public init(metrics: [MetricRow], validations: [ValidationRow], startedAt: Date) {
        self.startedAt = startedAt
        var byUpdate: [Int: Row] = [:]
        for m in metrics { byUpdate[m.update] = Row(update: m.update, epoch: m.epoch, train: m, validation: nil, wallSeconds: m.wallSeconds) }
        for v in validations {
            byUpdate[v.update, default: Row(update: v.update, epoch: v.epoch, train: nil, validation: nil, wallSeconds: nil)].validation = v
        }
        rows = byUpdate.values.sorted { $0.update < $1.update }
        var lastWall: Double?
        for i in rows.indices {
            if let wall = rows[i].train?.wallSeconds { lastWall = wall }
            if rows[i].wallSeconds == nil { rows[i].wallSeconds = lastWall ?? 0 }
        }
    }

    public init(store: RunStore, run name: String) throws {
        self.init(metrics: try store.metrics(run: name), validations: try store.validations(run: name),
                  startedAt: try store.run(named: name).run.startedAt)
    }

    /// Shortest text that reads back as the same Double (Swift's description), or "" for nil;
    /// non-finite values as "nan"/"inf"/"-inf", which pandas and Python read.
    static func text(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return "\(value)"
    }

    /// CSV with a header: update, epoch, then every column; empty cells where a row has no value.
    public func csv() -> String {
        var out = (["update", "epoch"] + Self.columns.map(\.name)).joined(separator: ",") + "\n"
        for row in rows {
            out += ([String(row.update), String(row.epoch)] + Self.columns.map { c in c.value(row).map(Self.text) ?? "" })
                .joined(separator: ",") + "\n"
        }
        return out
    }

    /// One JSON object per line; keys without a value are left out. Non-finite numbers, which
    /// JSON cannot hold, are written as null.
    public func jsonLines() -> String {
        var out = ""
        for row in rows {
            var fields = ["\"update\":\(row.update)", "\"epoch\":\(row.epoch)"]
            for c in Self.columns {
                guard let v = c.value(row) else { continue }
                fields.append("\"\(c.name)\":" + (v.isFinite ? "\(v)" : "null"))
            }
            out += "{" + fields.joined(separator: ",") + "}\n"
        }
        return out
    }

    /// TensorBoard scalar events, one per (row, column) with a value, in update order.
    public func scalarEvents() -> [TensorBoardEvents.Scalar] {
        rows.flatMap { row in
            Self.columns.filter { !$0.tag.isEmpty }.compactMap { c in
                c.value(row).map { TensorBoardEvents.Scalar(tag: c.tag, step: row.update, value: Float($0),
                                                             wallTime: startedAt.timeIntervalSince1970 + (row.wallSeconds ?? 0)) }
            }
        }
    }
}
