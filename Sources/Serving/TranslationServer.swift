import Foundation

/// `nmt serve`'s HTTP/1.1 server: a listening socket, an accept loop, and one thread per
/// connection (at most `maxConnections`; one more is answered 503 and closed, and so is one that
/// arrives while the process is out of file descriptors), carrying TranslationAPI. Its own
/// request parser bounds every line, header and body (`HTTPRequestParser`) and every error is a
/// JSON answer. SIGTERM or SIGINT (or `stop()`) stops accepting, lets requests in flight finish
/// (up to `drainSeconds`), then `run` returns.
public final class TranslationServer: @unchecked Sendable {
    private let api: TranslationAPI
    private let host: String
    private let port: UInt16
    private let limits: ConnectionLimits
    private let drainSeconds: Double
    private let log: @Sendable (String) -> Void
    private let state = ServerState()

    public init(api: TranslationAPI, host: String, port: UInt16, limits: ConnectionLimits = ConnectionLimits(), drainSeconds: Double = 60,
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.api = api
        self.host = host
        self.port = port
        var limits = limits
        limits.http.maxBodyBytes = api.limits.maxBodyBytes
        self.limits = limits
        self.drainSeconds = drainSeconds
        self.log = log
    }

    /// Serves on the calling thread until a stop signal or `stop()`; `onListening` gets the
    /// bound address (port 0 picks a free one). With `handleSignals`, SIGTERM and SIGINT stop the server.
    public func run(handleSignals: Bool = true, onListening: (String, UInt16) -> Void, onStop: @escaping @Sendable () -> Void = {}) throws {
        let listener = try ListeningSocket(host: host, port: port)
        state.onStop = onStop
        var signalSources: [DispatchSourceSignal] = []
        if handleSignals {
            for signalNumber in [SIGTERM, SIGINT] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler { [weak self] in self?.stop() }
                source.resume()
                signalSources.append(source)
            }
        }
        defer { for source in signalSources { source.cancel() } }
        onListening(listener.host, listener.port)
        acceptConnections(listener)
    }

    /// Stops accepting; `run` returns once the requests in flight are answered (or after `drainSeconds`).
    public func stop() {
        guard state.requestStop() else { return }
        state.onStop?()
    }

    private func acceptConnections(_ listener: ListeningSocket) {
        let busy = TranslationAPI.Response.error(503, "server busy: too many connections; retry later", headers: ["Retry-After": "1"])
            .serialized(keepAlive: false)
        var loggedExhaustion = false
        while !state.stopping {
            switch listener.accept(timeoutMilliseconds: 100) {
            case .nothing: continue
            case .outOfDescriptors:
                if !loggedExhaustion { log("nmt serve: out of file descriptors; refusing connections (503) until some close"); loggedExhaustion = true }
                if !listener.shed(answer: busy) { usleep(10_000) }
            case .connection(let fd):
                loggedExhaustion = false
                guard state.openConnection(limit: limits.maxConnections) else {
                    busy.withUnsafeBytes { _ = send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)) }
                    close(fd)
                    continue
                }
                let connection = HTTPConnection(descriptor: fd, limits: limits, respond: { [api] request, deadline in
                    api.respond(method: request.method, path: request.path, body: request.body, deadline: deadline)
                }, isStopping: { [state] in state.stopping })
                let thread = Thread { [state] in
                    connection.run()
                    state.closeConnection()
                }
                thread.name = "nmt-connection"
                thread.stackSize = 1 << 20
                thread.start()
            }
        }
        // Stopped: no new connections; idle ones close themselves, requests in flight finish.
        listener.stopListening()
        state.waitForConnections(until: Date().addingTimeInterval(drainSeconds))
    }

}

public struct ServingSetupError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The server's counters, shared by the accept loop and the connection threads.
private final class ServerState: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopRequested = false
    private var connections = 0
    var onStop: (@Sendable () -> Void)?

    var stopping: Bool { condition.lock(); defer { condition.unlock() }; return stopRequested }

    /// Sets the stop flag; true only for the first call.
    func requestStop() -> Bool {
        condition.lock(); defer { condition.unlock() }
        if stopRequested { return false }
        stopRequested = true
        condition.broadcast()
        return true
    }

    func openConnection(limit: Int) -> Bool {
        condition.lock(); defer { condition.unlock() }
        guard connections < limit else { return false }
        connections += 1
        return true
    }

    func closeConnection() { condition.lock(); connections -= 1; condition.broadcast(); condition.unlock() }

    /// Until every connection has closed (idle ones do within 0.1 s of a stop) or `deadline`.
    func waitForConnections(until deadline: Date) {
        condition.lock(); defer { condition.unlock() }
        while connections > 0 && condition.wait(until: deadline) {}
    }
}
