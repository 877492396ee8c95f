import Foundation

/// The `nmt` executable of the build the tests belong to: it sits next to the test bundle in
/// the build's products directory (.build/<triple>/<configuration>/), whatever the triple or
/// configuration; NMT_BINARY overrides it.
public enum NMTBinary {
    public static let url: URL = {
        if let path = ProcessInfo.processInfo.environment["NMT_BINARY"] { return URL(fileURLWithPath: path) }
        let testExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        for directory in [testExecutable.deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent(),
                          Bundle.main.bundleURL] {
            let candidate = directory.appendingPathComponent("nmt")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return testExecutable.deletingLastPathComponent().appendingPathComponent("nmt")
    }()

    /// The binary, or an error saying how to build it.
    public static func require() throws -> URL {
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw TestSupportError("\(url.path) is missing: run `swift build --build-tests` first")
        }
        return url
    }
}
