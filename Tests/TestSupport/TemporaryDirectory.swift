import Foundation

/// A fresh directory under the system's temporary directory, removed with everything in it
/// when the value is released, so a test leaves nothing behind whether it passes or not.
public final class TemporaryDirectory {
    public let url: URL

    /// `label` appears in the directory's name, to tell leftovers of a crashed run apart.
    public init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nmt-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public var path: String { url.path }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Copies fixture files (Tests/Fixtures/…) into the directory, keeping their names.
    public func copy(fixtures names: [String], from folder: URL) throws {
        for name in names {
            try FileManager.default.copyItem(at: folder.appendingPathComponent(name), to: url.appendingPathComponent(name))
        }
    }
}

extension TemporaryDirectory {
    /// A fresh directory that lives until the test process exits (then it is removed), for
    /// helpers that hand out paths rather than keep an owner alive.
    public static func untilExit(_ label: String) throws -> URL {
        let directory = try TemporaryDirectory(label)
        ExitCleanup.shared.keep(directory)
        return directory.url
    }
}

/// Holds directories until exit; `atexit` releases them, which removes them.
final class ExitCleanup: @unchecked Sendable {
    static let shared = ExitCleanup()
    private var kept: [TemporaryDirectory] = []
    private let lock = NSLock()

    private init() {
        atexit { ExitCleanup.shared.releaseAll() }
    }

    func keep(_ directory: TemporaryDirectory) {
        lock.lock(); kept.append(directory); lock.unlock()
    }

    func releaseAll() {
        lock.lock(); kept.removeAll(); lock.unlock()
    }
}
