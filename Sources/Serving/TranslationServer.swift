import FlyingFox
import FlyingSocks
import Foundation

/// `nmt serve`'s HTTP/1.1 server: FlyingFox (async sockets over poll/epoll, no dependencies)
/// carrying TranslationAPI. SIGTERM or SIGINT stops accepting, lets requests in flight finish
/// (up to `drainSeconds`), then `run` returns.
///
/// FlyingFox's own `stop(timeout:)` closes the listener and lets connections finish, but its
/// accept loop does not notice the closed socket, so it always waits the whole timeout. The
/// server therefore counts the requests in its handler and ends the serving task itself once
/// none is left (plus a moment for the last response to be written).
public final class TranslationServer: @unchecked Sendable {
    private let server: HTTPServer
    private let api: TranslationAPI
    private let drainSeconds: Double
    private var signalSources: [DispatchSourceSignal] = []
    private let stopRequested = LockedFlag()
    private let inFlight = InFlightCounter()
    private var serving: Task<Void, Error>?

    private let host: String
    private let port: UInt16

    public init(api: TranslationAPI, host: String, port: UInt16, requestTimeout: Double = 300, drainSeconds: Double = 60) throws {
        self.api = api
        self.host = host
        self.port = port
        self.drainSeconds = drainSeconds
        let address: any SocketAddress
        do {
            address = host.contains(":") ? try sockaddr_in6.inet6(ip6: host, port: port) : try sockaddr_in.inet(ip4: host, port: port)
        } catch {
            throw ServingSetupError("--host \(host): not a numeric IPv4 or IPv6 address (e.g. 127.0.0.1, 0.0.0.0, ::1)")
        }
        server = HTTPServer(config: .init(address: address, timeout: requestTimeout, logger: .disabled),
                            handler: APIHandler(api: api, inFlight: inFlight))
    }

    /// Serves until a stop signal; `onListening` gets the bound address (port 0 picks a free one).
    public func run(onListening: @escaping @Sendable (String, UInt16) -> Void, onStop: @escaping @Sendable () -> Void = {}) async throws {
        let server = self.server
        let announce = Task {
            try await server.waitUntilListening(timeout: 30)
            switch await server.listeningAddress {
            case .ip4(let host, let port)?: onListening(host, port)
            case .ip6(let host, let port)?: onListening(host, port)
            default: break
            }
        }
        let serving = Task { try await server.run() }
        self.serving = serving
        // Installed once `serving` is set, which stop() ends.
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.stop(onStop: onStop) }
            source.resume()
            signalSources.append(source)
        }
        do {
            try await serving.value
        } catch {
            // Ending the serving task is how a stop ends: only other errors are errors.
            if !stopRequested.value { announce.cancel(); throw Self.explained(error, host: host, port: port) }
        }
    }

    /// A socket error as one line naming the address (FlyingSocks prints its enum otherwise).
    static func explained(_ error: Error, host: String, port: UInt16) -> Error {
        guard case let SocketError.failed(type, code, message) = error else { return error }
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        switch (type, code) {
        case ("Bind", EADDRINUSE): return ServingSetupError("cannot listen on \(address): the port is in use (another server?); choose another --port, or --port 0 for a free one")
        case ("Bind", EACCES): return ServingSetupError("cannot listen on \(address): permission denied (ports below 1024 need root)")
        case ("Bind", EADDRNOTAVAIL): return ServingSetupError("cannot listen on \(address): no such address on this machine")
        default: return ServingSetupError("cannot \(type.lowercased()) on \(address): \(message) (errno \(code))")
        }
    }

    private func stop(onStop: @escaping @Sendable () -> Void) {
        guard stopRequested.setOnce() else { return }
        onStop()
        let server = self.server, drain = drainSeconds, inFlight = self.inFlight, serving = self.serving
        Task { await server.stop(timeout: drain) }   // closes the listener at once
        Task {
            let deadline = Date().addingTimeInterval(drain)
            while inFlight.count > 0 && Date() < deadline { try? await Task.sleep(nanoseconds: 10_000_000) }
            try? await Task.sleep(nanoseconds: 200_000_000)   // the last response's bytes
            serving?.cancel()
        }
    }
}

public struct ServingSetupError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

final class InFlightCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    var count: Int { lock.lock(); defer { lock.unlock() }; return value }
    func add(_ delta: Int) { lock.lock(); value += delta; lock.unlock() }
}

final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.lock(); defer { lock.unlock() }; return flag }
    /// Sets the flag; true only for the first call.
    func setOnce() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if flag { return false }
        flag = true
        return true
    }
}

/// FlyingFox's side: reads the body (never more than the limit), asks the API, writes its answer.
struct APIHandler: HTTPHandler {
    let api: TranslationAPI
    let inFlight: InFlightCounter

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        inFlight.add(1)
        defer { inFlight.add(-1) }
        let method = request.method.rawValue, path = request.path
        var body: Data? = Data()
        if TranslationAPI.accepts(method: method, path: path) && method == "POST" {
            body = try await Self.read(request.bodySequence, limit: api.limits.maxBodyBytes)
        }
        let answer = await api.respond(method: method, path: path, body: body)
        var headers = HTTPHeaders()
        for (name, value) in answer.headers { headers[HTTPHeader(name)] = value }
        return HTTPResponse(statusCode: HTTPStatusCode(answer.status, phrase: Self.phrases[answer.status] ?? "Error"), headers: headers,
                            body: answer.body)
    }

    /// The body, or nil past `limit` bytes (by Content-Length before reading, or while reading
    /// a chunked body); FlyingFox discards the rest before the next request.
    static func read(_ body: HTTPBodySequence, limit: Int) async throws -> Data? {
        if let count = body.count, count > limit { return nil }
        var data = Data()
        for try await chunk in body {
            data.append(chunk)
            if data.count > limit { return nil }
        }
        return data
    }

    static let phrases = [200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 413: "Content Too Large",
                          500: "Internal Server Error", 503: "Service Unavailable"]
}
