import Application
import ArgumentParser
import Foundation

struct MetricsCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, jsonl, tensorboard }

    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Export a run's training and validation curves.",
        discussion: """
        Formats: CSV, JSON lines or TensorBoard scalars.
        One row per update that has training metrics or a validation (columns: update,
        epoch, \(MetricsTable.columns.prefix(6).map(\.name).joined(separator: ", ")),
        \(MetricsTable.columns.dropFirst(6).prefix(6).map(\.name).joined(separator: ", ")),
        \(MetricsTable.columns.dropFirst(12).map(\.name).joined(separator: ", "))); a cell is empty (CSV) or the key absent (JSON lines)
        where that update has no such value.
        With --format tensorboard, --out is a log directory: the run's event file (tags
        \(MetricsTable.columns.filter { !$0.tag.isEmpty }.map(\.tag).prefix(3).joined(separator: ", ")), …) is written there, replacing an earlier
        export of the same run.
          nmt metrics radam --format csv --out radam.csv
          nmt metrics radam --format tensorboard --out tb/radam && \\
              tensorboard --logdir tb
        """)

    @Argument(help: "Run name.") var name: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "csv, jsonl or tensorboard.") var format: Format = .csv
    @Option(help: "Output file (csv, jsonl; standard output when omitted or '-') or log directory (tensorboard).") var out: String?
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if format == .tensorboard && (out == nil || out == "-") { throw ValidationError("--format tensorboard needs --out DIR (a log directory)") }
    }

    func run() throws {
        runtime.apply()
        let table = try MetricsTable(store: try RunDatabase.openExisting(database.db), run: name)
        switch format {
        case .csv, .jsonl:
            let text = format == .csv ? table.csv() : table.jsonLines()
            // "-" is standard output, as everywhere on the command line.
            guard let out, out != "-" else { print(text, terminator: ""); return }
            try OutputPath.refuse(out, flag: "--out", inputs: [("run database", database.db)])
            do { try text.write(toFile: out, atomically: true, encoding: .utf8) }
            catch { throw CLIError("\(out): cannot write: \(error.localizedDescription)") }
            print("wrote \(out): \(table.rows.count) rows of run \(name)")
        case .tensorboard:
            let directory = out!
            try OutputPath.refuse(directory, flag: "--out", inputs: [("run database", database.db)])
            let scalars = table.scalarEvents()
            let created = table.startedAt.timeIntervalSince1970
            // Named after the run's start, so exporting again replaces the file instead of
            // adding a second copy of every point.
            let path = directory + "/" + TensorBoardEvents.fileName(createdAt: created, host: "nmt")
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try Data(TensorBoardEvents.file(scalars, createdAt: created)).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch { throw CLIError("\(directory): cannot write the event file: \(error.localizedDescription)") }
            print("wrote \(path): \(scalars.count) scalars of run \(name) (tensorboard --logdir \(directory))")
        }
    }
}
