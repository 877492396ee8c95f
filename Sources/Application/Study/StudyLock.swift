#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One process at a time runs a study: an exclusive `flock` on a file next to the database.
/// The kernel releases it when the process dies, kill -9 included, so a killed study never
/// leaves a stale lock behind.
final class StudyLock {
    private let descriptor: Int32

    init(database: String, study: String) throws {
        let path = database + ".study-" + study.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" } + ".lock"
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ApplicationError("\(path): cannot create the study's lock file: \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw ApplicationError("study \(study) is being run by another process (lock \(path) is held)")
        }
    }

    deinit { close(descriptor) }
}
