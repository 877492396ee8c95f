import Foundation

/// A private directory for a throwaway database (a calibration run, a replay), removed when
/// `body` returns or throws. Named by the process and a random number, so two at once (two
/// studies planned in one process, two replays) never share one.
enum ScratchDirectory {
    static func with<T>(_ label: String, _ body: (URL) throws -> T) throws -> T {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nmt-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        return try body(scratch)
    }
}
