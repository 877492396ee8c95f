import Application
import ArgumentParser
import Foundation
import Store

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List the runs in the database.")
    @OptionGroup var database: DatabaseOptions

    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        runtime.apply()
        let store = try RunDatabase.openExisting(database.db)
        var table = TextTable(["name", "optimizer", "lr", "warmup", "updates", "best valid loss", "best BLEU", "status"])
        for r in try store.listRuns() {
            let bleu = try RunDatabase.bestBLEU(store: store, run: r.name, validBLEU: r.bestBLEU)
            table.add([r.name, r.optimizer, scientific(r.learningRate), String(r.warmupSteps), cell(r.updates),
                       cell(r.bestValidLoss), cell(bleu), r.status.rawValue])
        }
        print(table.rows.isEmpty ? "no runs in \(database.db)" : table.render())
    }
}
