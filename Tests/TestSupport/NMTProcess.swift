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
                           environment: [String: String] = [:], ranks: Int? = nil) throws -> Result {
        let process = Process()
        try launch(process, arguments, ranks: ranks)
        process.currentDirectoryURL = directory ?? Fixtures.packageRoot
        if !environment.isEmpty { process.environment = (process.environment ?? ProcessInfo.processInfo.environment).merging(environment) { $1 } }
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try withTerminationSignalsUnblocked(ranks != nil) { try process.run() }
        // The semaphores hand the threads' work over (a flag polled without a lock was a data
        // race ThreadSanitizer reported).
        let written = DispatchSemaphore(value: 0), errorRead = DispatchSemaphore(value: 0)
        let writer = Thread {
            if let stdin { input.fileHandleForWriting.write(stdin) }
            try? input.fileHandleForWriting.close()
            written.signal()
        }
        writer.start()
        let errorData = DataBox()
        let reader = Thread { errorData.data = error.fileHandleForReading.readDataToEndOfFile(); errorRead.signal() }
        reader.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorRead.wait()
        written.wait()
        return Result(status: process.terminationStatus, stdoutData: out, stderr: String(decoding: errorData.data, as: UTF8.self))
    }

    /// Starts nmt without waiting (for kill tests); stdout and stderr are pipes, stdin is closed.
    public static func start(_ arguments: [String], in directory: URL, environment: [String: String] = [:],
                             ranks: Int? = nil) throws -> Process {
        let process = Process()
        try launch(process, arguments, ranks: ranks)
        process.currentDirectoryURL = directory
        if !environment.isEmpty { process.environment = (process.environment ?? ProcessInfo.processInfo.environment).merging(environment) { $1 } }
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        let input = Pipe()
        process.standardInput = input
        try withTerminationSignalsUnblocked(ranks != nil) { try process.run() }
        try input.fileHandleForWriting.close()
        return process
    }

    /// `nmt arguments…`, or with `ranks` `mpirun -np ranks nmt arguments…` (MPI.swift).
    static func launch(_ process: Process, _ arguments: [String], ranks: Int?) throws {
        if let ranks {
            process.executableURL = try MPI.mpirun()
            process.arguments = MPI.launcherArguments(ranks: ranks) + [try NMTBinary.require().path] + arguments
            process.environment = ProcessInfo.processInfo.environment.merging(MPI.environment) { $1 }
        } else {
            process.executableURL = try NMTBinary.require()
            process.arguments = arguments
        }
    }

    /// Runs `body` (a spawn) with SIGTERM, SIGINT and SIGUSR1 unblocked on this thread when `enabled`.
    /// A child inherits the spawning thread's signal mask, and the test runner's threads block
    /// those signals: nmt unblocks them itself, but mpirun does not, and would never hear the
    /// SIGTERM that a test (like a user at a terminal) sends it.
    static func withTerminationSignalsUnblocked<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
        guard enabled else { return try body() }
        var unblock = sigset_t(), previous = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGUSR1)
        pthread_sigmask(SIG_UNBLOCK, &unblock, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// Written by a reader thread, read after it finished.
    final class DataBox: @unchecked Sendable {
        var data = Data()
    }
}
