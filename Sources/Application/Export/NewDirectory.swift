import Foundation

/// A directory of files that appears whole or not at all: the files are written into a hidden
/// sibling (same file system), which is renamed to the directory's name only once every file is
/// in it. A kill or a full disk midway leaves no half-written directory under the name (the
/// hidden sibling is removed on an error; after a kill -9 it stays, named `.NAME.partial-…`).
/// An existing directory is written in place instead, file by file (each replaced atomically),
/// keeping its other files.
enum NewDirectory {
    static func write(_ directory: String, _ fill: (URL) throws -> Void) throws {
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ApplicationError("\(directory) exists and is not a directory") }
            try fill(target)
            return
        }
        let parent = target.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let partial = parent.appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: false)
        do {
            try fill(partial)
            guard rename(partial.path, target.path) == 0 else {
                throw ApplicationError("\(directory): cannot move the written files into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
    }
}
