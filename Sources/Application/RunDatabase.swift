import Foundation
import Store

/// Opening run databases the way every command does.
public enum RunDatabase {
    /// A database that must already exist: reading commands never create one.
    public static func openExisting(_ path: String) throws -> RunStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ApplicationError("\(path): no such run database (train a run first, or give --db)")
        }
        return try RunStore(path: path)
    }

    /// Best BLEU of a run: its validation BLEU or any stored evaluation, whichever is higher.
    public static func bestBLEU(store: RunStore, run: String, validBLEU: Double?) throws -> Double? {
        let evaluated = try store.evaluations(run: run).map(\.bleu).max()
        switch (validBLEU, evaluated) {
        case let (a?, b?): return max(a, b)
        case let (a, b): return a ?? b
        }
    }
}
