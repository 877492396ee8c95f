import ArgumentParser
import Foundation

/// Library errors already carry a one-line description naming the file, line or run; this
/// turns any of them into that line on stderr and exit status 1, instead of a type dump.

func withCleanErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("nmt: error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// A one-line error raised by the command layer itself.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
