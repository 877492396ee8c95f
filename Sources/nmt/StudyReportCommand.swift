import Application
import ArgumentParser
import Foundation

struct StudyReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a study's report: one self-contained HTML file with inline SVG plots (no scripts, no network).")

    @Argument(help: "Study name.") var name: String
    @Option(help: "The HTML file to write.") var html: String
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        runtime.apply()
        let store = try RunDatabase.openExisting(database.db)
        let page = try StudyReport.html(store: store, study: name)
        do { try page.write(toFile: html, atomically: true, encoding: .utf8) }
        catch { throw CLIError("\(html): cannot write the report: \(error.localizedDescription)") }
        print("report: \(html)")
    }
}
