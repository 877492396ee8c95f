import ArgumentParser
import Foundation
import Store

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List the runs in the database.")
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try withCleanErrors {
            let store = try openExistingStore(database.db)
            var table = TextTable(["name", "optimizer", "lr", "warmup", "updates", "best valid loss", "best BLEU", "status"])
            for r in try store.listRuns() {
                let bleu = try bestBLEU(store: store, run: r.name, validBLEU: r.bestBLEU)
                table.add([r.name, r.optimizer, scientific(r.learningRate), String(r.warmupSteps), cell(r.updates),
                           cell(r.bestValidLoss), cell(bleu), r.status.rawValue])
            }
            print(table.rows.isEmpty ? "no runs in \(database.db)" : table.render())
        }
    }
}

/// Best BLEU of a run: validation BLEU or any stored evaluation, whichever is higher.
func bestBLEU(store: RunStore, run: String, validBLEU: Double?) throws -> Double? {
    let evaluated = try store.evaluations(run: run).map(\.bleu).max()
    switch (validBLEU, evaluated) {
    case let (a?, b?): return max(a, b)
    case let (a, b): return a ?? b
    }
}

/// Opens a database that must already exist (reading commands never create one).
func openExistingStore(_ path: String) throws -> RunStore {
    guard FileManager.default.fileExists(atPath: path) else {
        throw CLIError("\(path): no such run database (train a run first, or give --db)")
    }
    return try RunStore(path: path)
}
