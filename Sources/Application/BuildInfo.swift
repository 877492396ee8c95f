import Foundation

/// What a run records about the program that made it.
public enum BuildInfo {
    public static let version = "0.1.0"

    /// The commit of the checkout this binary was built in (…/.build/<config>/nmt), not of the
    /// working directory, which is usually somewhere else; NMT_GIT_COMMIT overrides it.
    public static func gitCommit() -> String {
        if let env = ProcessInfo.processInfo.environment["NMT_GIT_COMMIT"] { return env }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let checkout = executable.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", checkout.path, "rev-parse", "--short", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "unknown" }
        process.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !out.isEmpty ? out : "unknown"
    }
}
