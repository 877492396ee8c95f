import Foundation

/// Runs the built `nmt` (NMTBinary) as a child process and captures what it prints. stdin is
/// fed and stdout/stderr drained concurrently, so large inputs and outputs cannot deadlock.
public enum NMTProcess {
    public struct Result: Sendable {
        public let status: Int32
        public let stdoutData: Data
        public let stderr: String
        public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
        public var errorLines: [Substring] { stderr.split(separator: "\n") }
    }

    /// Runs `nmt arguments…` in `directory` (default: the package root) and waits for it.
    public static func run(_ arguments: [String], in directory: URL? = nil, stdin: Data? = nil,
                           environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = try NMTBinary.require()
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? Fixtures.packageRoot
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let writer = Thread {
            if let stdin { input.fileHandleForWriting.write(stdin) }
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let errorData = DataBox()
        let reader = Thread { errorData.data = error.fileHandleForReading.readDataToEndOfFile(); errorData.done = true }
        reader.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.done || writer.isExecuting { usleep(1000) }
        return Result(status: process.terminationStatus, stdoutData: out, stderr: String(decoding: errorData.data, as: UTF8.self))
    }

    /// Starts nmt without waiting (for kill tests); stdout and stderr are pipes, stdin is closed.
    public static func start(_ arguments: [String], in directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = try NMTBinary.require()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        let input = Pipe()
        process.standardInput = input
        try process.run()
        try input.fileHandleForWriting.close()
        return process
    }

    /// Written by a reader thread, read after it finished.
    final class DataBox: @unchecked Sendable {
        var data = Data()
        var done = false
    }
}
