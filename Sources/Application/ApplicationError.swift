/// A one-line error of the application layer (a missing database, a bad checkpoint name, a
/// file that is not there), naming what it is about. The CLI prints it as `nmt: error: …`.
public struct ApplicationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Messages for the person at the terminal, on stderr. `quiet` silences information;
/// warnings are always shown.
public struct Console: Sendable {
    public var quiet: Bool
    public init(quiet: Bool) { self.quiet = quiet }

    public func info(_ message: String) {
        if !quiet { Console.write(message) }
    }

    public func warn(_ message: String) { Console.write("warning: " + message) }

    static func write(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, stderr) }
        fflush(stderr)
    }
}
#if canImport(Glibc)
import Glibc
#endif
