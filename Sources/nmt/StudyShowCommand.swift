import Application
import ArgumentParser
import Foundation
import Store

struct StudyShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "A study's plan and results.",
        discussion: """
        Results per arm × lr over seeds, the seed-level comparisons with the baseline
        and their verdicts, the largest stable learning rates.
        """)

    enum Format: String, ExpressibleByArgument { case text, json }

    @Argument(help: "Study name.") var name: String
    @Option(help: "text or json.") var format: Format = .text
    @Flag(help: "Also print what each run takes in the database file.") var storage = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if storage && format == .json { throw ValidationError("--storage prints a table: use it with --format text") }
    }

    func run() throws {
        runtime.apply()
        let store = try RunDatabase.openExisting(database.db)
        let results = try StudyResults.load(store: store, study: name)
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        case .text:
            print(Self.text(results))
        }
        if storage { print(Self.render(try StudyStorage.table(store: store, study: name))) }
    }

    /// A table under its title, as text.
    static func render(_ table: StudyTable) -> String {
        var t = TextTable(table.headers)
        for row in table.rows { t.add(row) }
        return table.title + ":\n" + t.render()
    }

    static func text(_ r: StudyResults) -> String {
        var out = r.headline + "\n"
        if let design = r.designLines { out += "\nplan:\n" + design.map { "  " + $0 + "\n" }.joined() }
        for table in r.tables where !table.rows.isEmpty { out += "\n" + render(table) + "\n" }
        out += "\nBLEU/chrF of the test split (sacreBLEU 13a, chrF2); 'avg' = average of the last \(r.settings.averageLast) checkpoints\n"
        for key in r.definitions.keys.sorted() { out += "\(key): \(r.definitions[key]!)\n" }
        for warning in r.warnings { out += "warning: \(warning)\n" }
        return out
    }
}
