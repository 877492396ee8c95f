import Foundation
import Store

/// Opening run databases the way every command does.
public enum RunDatabase {
    /// A database that must already exist: reading commands never create one.
    public static func openExisting(_ path: String) throws -> RunStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ApplicationError("\(path): no such run database (train a run first, or give --db)")
        }
        if isWritable(path) { return try RunStore(path: path) }
        // Read-only: opened immutable, which does not read a WAL; writes still in one would be missed.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int, size > 0 {
            throw ApplicationError("\(path) is read-only and its last writes are still in \(path)-wal: open it once where it can be written "
                + "(or copy both files to a writable place)")
        }
        return try RunStore(path: path, readOnly: true)
    }

    /// Whether SQLite can write beside the database: the file and its directory (where the
    /// WAL and shared-memory files go) writable. As root only a read-only mount or an
    /// immutable file says no, which `access` reports.
    static func isWritable(_ path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        return access(path, W_OK) == 0 && access(directory.isEmpty ? "." : directory, W_OK) == 0
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
