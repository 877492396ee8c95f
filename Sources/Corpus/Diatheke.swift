// Runs the `diatheke` command-line front end of SWORD to read a Bible module.
// Output format `internal` gives one verse per line as raw OSIS; `-o h` switches headings on, which
// is what makes diatheke print each psalm title once, before its own verse (without it the title
// is repeated before every later verse).

import Foundation

public struct SwordModule: Sendable, Equatable {
    public let name: String
    /// The Debian package that installs the module.
    public let aptPackage: String

    public init(name: String, aptPackage: String) {
        self.name = name
        self.aptPackage = aptPackage
    }

    public static let reinaValera1909 = SwordModule(name: "spaRV1909eb", aptPackage: "sword-text-sparv")
    public static let worldEnglishBible = SwordModule(name: "engWEB2015eb", aptPackage: "sword-text-web")
}

public enum DiathekeError: Error, Equatable, CustomStringConvertible {
    case notInstalled(searched: String)
    case moduleMissing(SwordModule)
    case failed(module: String, status: Int32, stderr: String)
    case notUTF8(module: String)

    public var description: String {
        switch self {
        case .notInstalled(let searched):
            return "diatheke not found (\(searched)); install it with: sudo apt-get install diatheke"
        case .moduleMissing(let module):
            return "SWORD module \(module.name) is not installed (diatheke printed nothing for it); install it with: sudo apt-get install \(module.aptPackage)"
        case .failed(let module, let status, let stderr):
            let detail = stderr.split(separator: "\n").first.map { ": \($0)" } ?? ""
            return "diatheke failed for module \(module) with exit status \(status)\(detail)"
        case .notUTF8(let module):
            return "diatheke output for module \(module) is not valid UTF-8"
        }
    }
}

public struct Diatheke: Sendable {
    public let executable: String

    /// Finds `diatheke` on PATH.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Diatheke {
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/diatheke"
            if FileManager.default.isExecutableFile(atPath: candidate) { return Diatheke(executable: candidate) }
        }
        throw DiathekeError.notInstalled(searched: "PATH=\(path)")
    }

    public init(executable: String) {
        self.executable = executable
    }

    /// The whole text of `module` from Genesis to Revelation in `internal` format.
    public func readBible(_ module: SwordModule) throws -> [UInt8] {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw DiathekeError.notInstalled(searched: executable)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-b", module.name, "-f", "internal", "-o", "h", "-l", "en", "-k", "Gen-Rev"]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain stderr on another thread so a chatty diatheke cannot fill its pipe and block.
        let errorReader = BackgroundRead(stderr.fileHandleForReading)
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let message = String(decoding: errorReader.wait(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw DiathekeError.failed(module: module.name, status: process.terminationStatus, stderr: message)
        }
        let bytes = [UInt8](data)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { throw DiathekeError.moduleMissing(module) }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw DiathekeError.notUTF8(module: module.name) }
        return bytes
    }

    /// Reads several modules at once (diatheke is single-threaded; the WEB alone takes ~9 s).
    public func readBibles(_ modules: [SwordModule]) throws -> [[UInt8]] {
        try readBibles(modules) { _, output in output }
    }

    /// Reads several modules at once and runs `process` on each output on its reading thread, so
    /// a module that diatheke finishes early is processed while the others are still being read.
    public func readBibles<Value>(_ modules: [SwordModule], process: @escaping @Sendable (SwordModule, [UInt8]) throws -> Value) throws -> [Value] {
        // Plain threads, not Dispatch: each job blocks on a pipe for seconds.
        let results = ResultSlots<Value>(count: modules.count)
        let group = DispatchGroup()
        for (index, module) in modules.enumerated() {
            group.enter()
            Thread {
                results.set(index, Result { try process(module, try readBible(module)) })
                group.leave()
            }.start()
        }
        group.wait()
        return try results.values().map { try $0.get() }
    }
}

/// Reads a file handle to its end on its own thread.
private final class BackgroundRead: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            finished.signal()
        }.start()
    }

    func wait() -> Data {
        finished.wait()
        return data
    }
}

private final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Value, Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ result: Result<Value, Error>) { lock.lock(); slots[index] = result; lock.unlock() }
    func values() -> [Result<Value, Error>] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
}
