import Application
import ArgumentParser
import Foundation

struct StudyReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a study's report: one self-contained HTML file.",
        discussion: "The plots are inline SVG; the file needs no scripts and no network.")

    @Argument(help: "Study name.") var name: String
    @Option(help: "The HTML file to write.") var html: String
    @Option(name: .customLong("svg-dir"), help: "Also write every plot as a standalone SVG file into this directory.") var svgDir: String?
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        runtime.apply()
        let store = try RunDatabase.openExisting(database.db)
        try OutputPath.refuse(html, flag: "--html", inputs: [("study database", database.db)])
        let report = try StudyReport.build(store: store, study: name)
        do { try report.html.write(toFile: html, atomically: true, encoding: .utf8) }
        catch { throw CLIError("\(html): cannot write the report: \(error.localizedDescription)") }
        print("report: \(html)")
        if let svgDir {
            do {
                try FileManager.default.createDirectory(atPath: svgDir, withIntermediateDirectories: true)
                for figure in report.figures {
                    try ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + figure.svg).write(toFile: svgDir + "/" + figure.file, atomically: true, encoding: .utf8)
                }
            } catch { throw CLIError("\(svgDir): cannot write the plots: \(error.localizedDescription)") }
            print("plots: \(report.figures.count) SVG files in \(svgDir)")
        }
    }
}
