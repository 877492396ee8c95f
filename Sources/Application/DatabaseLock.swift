#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// An exclusive claim on part of a run database, held by this object until it is released
/// (or the process ends: the kernel drops it on any exit, kill -9 included, so a killed writer
/// never leaves a stale lock): one run being trained, one study being run.
///
/// One lock file serves a database, `DATABASE.lock` beside its real path (symlinks resolved,
/// so every spelling of one database shares it). A claim is an open-file-description lock
/// (F_OFD_SETLK) on one byte of that file, at an offset hashed from the claim's name, so
/// claims are independent, nothing piles up beside the database, and two claims conflict
/// even within one process (each has its own open file description). SQLite's own locks are
/// on the database file itself and are not touched.
final class DatabaseLock {
    private let descriptor: Int32
    /// The lock file.
    let path: String

    /// Claims `claim` on `database`; nil when another holder has it.
    init?(database: String, claim: String) throws {
        path = Self.lockPath(database: database)
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ApplicationError("\(path): cannot create the database's lock file: \(String(cString: strerror(errno)))") }
        var region = flock()
        region.l_type = Int16(F_WRLCK)
        region.l_whence = Int16(SEEK_SET)
        region.l_start = off_t(Self.offset(of: claim))
        region.l_len = 1
        guard fcntl(descriptor, Self.setOFDLock, &region) == 0 else {
            let reason = errno
            close(descriptor)
            if reason == EAGAIN || reason == EACCES { return nil }
            throw ApplicationError("\(path): cannot lock it: \(String(cString: strerror(reason)))")
        }
    }

    deinit { close(descriptor) }

    /// F_OFD_SETLK (Linux 3.15+), which Glibc's Swift module does not export.
    static let setOFDLock: Int32 = 37

    static func lockPath(database: String) -> String {
        URL(fileURLWithPath: database).standardizedFileURL.resolvingSymlinksInPath().path + ".lock"
    }

    /// A byte of the lock file per claim: FNV-1a of the name, below 2^62 (a positive offset).
    static func offset(of claim: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in claim.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash >> 2
    }

    /// The writer's claim on one run: `train`, `train --resume` and a study's runs take it.
    static func run(_ name: String, database: String) throws -> DatabaseLock {
        guard let lock = try DatabaseLock(database: database, claim: "run:" + name) else {
            throw ApplicationError("run '\(name)' is being trained by another process (it holds \(lockPath(database: database))); "
                + "wait for it to end, or stop it first")
        }
        return lock
    }

    /// One process at a time runs a study.
    static func study(_ name: String, database: String) throws -> DatabaseLock {
        guard let lock = try DatabaseLock(database: database, claim: "study:" + name) else {
            throw ApplicationError("study \(name) is being run by another process (it holds \(lockPath(database: database)))")
        }
        return lock
    }
}
