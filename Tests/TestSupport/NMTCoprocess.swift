import Foundation

/// `nmt` as a coprocess: its standard input stays open, so a test can write one line, wait
/// (with a timeout) for the answer line, and write the next — what a person typing or a
/// program talking to `nmt translate` through a pipe does.
public final class NMTCoprocess {
    private let process = Process()
    private let input = Pipe(), output = Pipe(), error = Pipe()
    private var buffered: [UInt8] = []

    /// `descriptorLimit` runs it with at most that many open files (`ulimit -n`).
    public init(_ arguments: [String], in directory: URL, descriptorLimit: Int? = nil) throws {
        if let descriptorLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", try NMTBinary.require().path] + arguments
        } else {
            process.executableURL = try NMTBinary.require()
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    public func write(_ text: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    /// The next output line (without its "\n"), or nil if none arrived within `timeout` seconds
    /// or the output ended.
    public func readLine(timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        let fd = output.fileHandleForReading.fileDescriptor
        while true {
            if let end = buffered.firstIndex(of: 10) {
                let line = String(decoding: buffered[..<end], as: UTF8.self)
                buffered.removeSubrange(...end)
                return line
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return nil }
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&request, 1, Int32(max(1, left * 1000))) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let got = read(fd, &chunk, chunk.count)
            if got <= 0 { return nil }
            buffered.append(contentsOf: chunk[..<got])
        }
    }

    /// Sends `signalNumber` (e.g. SIGTERM) to the process.
    public func send(signal signalNumber: Int32) { kill(process.processIdentifier, signalNumber) }

    /// Closes standard input and waits for the exit; the status and what went to stderr.
    public func finish() throws -> (status: Int32, stderr: String) {
        try input.fileHandleForWriting.close()
        let errorText = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: errorText, as: UTF8.self))
    }
}
