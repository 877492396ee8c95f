import Decoding
import Foundation
import Testing
import TestSupport
@testable import Serving

/// The HTTP server on 127.0.0.1 with a stand-in translator: a client cannot stall or stop it
/// (oversized lines and headers, slow or partial requests, too many connections, a request
/// that would take too long), and every refusal is a JSON error with its own status.
@Suite struct TranslationServerTests {
    /// A running server and its port; `stop()` ends it and waits for `run` to return.
    final class Running: @unchecked Sendable {
        let server: TranslationServer
        let port: UInt16
        let host: String
        private let ended = DispatchSemaphore(value: 0)

        init(limits: ConnectionLimits = ConnectionLimits(), host: String = "127.0.0.1", api: TranslationAPI = Running.api()) throws {
            server = TranslationServer(api: api, host: host, port: 0, limits: limits, drainSeconds: 5, log: { _ in })
            let listening = DispatchSemaphore(value: 0)
            let address = AddressBox()
            let (server, ended) = (server, ended)
            Thread {
                do { try server.run(handleSignals: false, onListening: { address.set($0, $1); listening.signal() }) }
                catch { address.fail(error); listening.signal() }
                ended.signal()
            }.start()
            _ = listening.wait(timeout: .now() + 60)
            if let error = address.error { throw error }
            guard let (host, port) = address.value else { throw TestSupportError("the server did not start") }
            self.host = host
            self.port = port
        }

        static func api(translate: TranslationAPI.Translate? = nil) -> TranslationAPI {
            TranslationAPI(limits: .init(maxBodyBytes: 1000), modelJSON: Data("{}".utf8),
                           translate: translate ?? { lines, beam, nbest, _ in TranslationAPITests.fake(lines, beam: beam, nbest: nbest) })
        }

        func stop() {
            server.stop()
            #expect(ended.wait(timeout: .now() + 30) == .success, "run returns after stop")
        }
    }

    final class AddressBox: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var value: (String, UInt16)?
        private(set) var error: Error?
        func set(_ host: String, _ port: UInt16) { lock.withLock { value = (host, port) } }
        func fail(_ error: Error) { lock.withLock { self.error = error } }
    }

    func status(_ answer: Data) -> (Int, String)? {
        guard let reply = LoopbackHTTP.parse(answer) else { return nil }
        return (reply.status, (reply.json as? [String: Any])?["error"] as? String ?? "")
    }

    @Test func oversizedLinesAndHeadersGetTheirStatusWhileOthersAreServed() throws {
        let running = try Running()
        defer { running.stop() }
        // A slow client holding a partial request does not keep anyone else waiting.
        let slow = try LoopbackClient(port: running.port)
        try slow.send(Data("GET /health HTTP/1.1\r\nX-Slow: ".utf8))
        let health = try LoopbackHTTP.request(port: running.port, "GET", "/health", timeout: 10)
        #expect(health.status == 200)
        // An 8 MB header and a 4 MB request line are refused at their limits (the parser keeps
        // no more than the limit: HTTPRequestParserTests); the client stops sending once answered.
        let header = try LoopbackClient(port: running.port).sendUntilAnswered(Data(("GET /health HTTP/1.1\r\nX: " + String(repeating: "h", count: 8 << 20)).utf8))
        #expect(status(header.answer)?.0 == 431, "\(header.sent) bytes sent; \(String(decoding: header.answer.prefix(200), as: UTF8.self))")
        let line = try LoopbackClient(port: running.port).sendUntilAnswered(Data(("GET /" + String(repeating: "l", count: 4 << 20)).utf8))
        #expect(status(line.answer)?.0 == 414, "\(line.sent) bytes sent")
        #expect(try LoopbackHTTP.request(port: running.port, "GET", "/health", timeout: 10).status == 200)
    }

    @Test func everyMalformedOrUnknownRequestGetsAJSONError() throws {
        let running = try Running()
        defer { running.stop() }
        let cases: [(String, Int)] = [
            ("BREW /health HTTP/1.1\r\nConnection: close\r\n\r\n", 405), ("DELETE /nowhere HTTP/1.1\r\nConnection: close\r\n\r\n", 404),
            ("POST /translate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n", 400),
            ("POST /translate HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", 413), ("GET /health HTTP/3.0\r\n\r\n", 505),
            ("NOT HTTP AT ALL\r\n\r\n", 400), ("POST /translate HTTP/1.1\r\nTransfer-Encoding: br\r\n\r\n", 501),
        ]
        for (request, expected) in cases {
            let answer = try LoopbackHTTP.raw(port: running.port, Data(request.utf8), timeout: 10)
            let (code, message) = try #require(status(answer), "\(request.debugDescription): \(answer.count) bytes")
            #expect(code == expected && !message.isEmpty, "\(request.debugDescription): \(code) \(message)")
        }
        // Two requests on one kept-alive connection, the second chunked: both answered.
        let body = #"{"text": ["hola"]}"#
        let chunked = String(body.utf8.count, radix: 16) + "\r\n" + body + "\r\n0\r\n\r\n"
        let pair = "GET /health HTTP/1.1\r\n\r\nPOST /translate HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked
        let answer = String(decoding: try LoopbackHTTP.raw(port: running.port, Data(pair.utf8), timeout: 10), as: UTF8.self)
        #expect(answer.components(separatedBy: "HTTP/1.1 200 OK").count == 3 && answer.contains("HOLA b5"), "\(answer)")
    }

    @Test func slowRequestsTimeOutAndConnectionsAreBounded() throws {
        let running = try Running(limits: ConnectionLimits(readTimeout: 1, maxConnections: 2))
        defer { running.stop() }
        // A request that stops half-way gets 408 once its time is up.
        let partial = try LoopbackHTTP.raw(port: running.port, Data("POST /translate HTTP/1.1\r\nContent-Length: 10\r\n\r\n{\"te".utf8), timeout: 20)
        #expect(status(partial)?.0 == 408, "\(String(decoding: partial, as: UTF8.self))")
        // Two idle connections fill the server; a third is refused at once with 503.
        let a = try LoopbackClient(port: running.port), b = try LoopbackClient(port: running.port)
        try a.send(Data("G".utf8)); try b.send(Data("G".utf8))
        var refused: (Int, String)?
        for _ in 0..<50 where refused == nil {   // the two are counted once the server has accepted them
            refused = status(try LoopbackHTTP.raw(port: running.port, Data("GET /health HTTP/1.1\r\n\r\n".utf8), timeout: 10)).flatMap { $0.0 == 503 ? $0 : nil }
        }
        #expect(refused?.0 == 503 && refused?.1.contains("too many connections") == true)
        a.close(); b.close()
        var healthy = false
        for _ in 0..<100 where !healthy {   // until the server has seen them close
            healthy = (try? LoopbackHTTP.request(port: running.port, "GET", "/health", timeout: 10))?.status == 200
            if !healthy { usleep(20_000) }
        }
        #expect(healthy)
    }

    /// A translation past --request-timeout is stopped and answered 504; a short request sent
    /// meanwhile is answered, and so is one after it.
    @Test func aRequestPastItsDeadlineGets504AndOthersAreServed() throws {
        let batcher = BatchingTranslator(limits: .init(maxWait: 0)) { lines, beam, _, shouldStop in
            if lines.contains("slow") {
                while !shouldStop() { usleep(1000) }
                throw BeamSearch.Stopped()
            }
            return TranslationAPITests.fake(lines, beam: beam)
        }
        defer { batcher.stop() }
        let api = Running.api { lines, beam, nbest, deadline in try batcher.translateWaiting(lines, beam: beam, nbest: nbest, deadline: deadline) }
        let running = try Running(limits: ConnectionLimits(requestTimeout: 1), api: api)
        defer { running.stop() }
        let started = Date()
        let slow = try LoopbackHTTP.post(port: running.port, "/translate", json: #"{"text": ["slow"]}"#)
        #expect(slow.status == 504 && ((slow.json as? [String: Any])?["error"] as? String)?.contains("--request-timeout") == true, "\(slow.text)")
        #expect(Date().timeIntervalSince(started) < 60, "stopped, not finished")
        #expect(try LoopbackHTTP.post(port: running.port, "/translate", json: #"{"text": ["fast"]}"#).status == 200)
    }

    /// Once stopped, the server closes its socket at once: a new client is refused rather than
    /// left waiting in the backlog while a slow connection holds the drain.
    @Test func aStoppedServerRefusesNewClientsWhileItDrains() throws {
        let running = try Running(limits: ConnectionLimits(readTimeout: 3))
        let holder = try LoopbackClient(port: running.port)
        try holder.send(Data("GET /health HTTP/1.1\r\n".utf8))   // mid-request: the drain waits for it
        running.server.stop()
        var refused = false
        for _ in 0..<250 where !refused {
            refused = (try? LoopbackClient(port: running.port)) == nil
            if !refused { usleep(20_000) }
        }
        #expect(refused)
        running.stop()
        _ = holder
    }

    @Test func namesResolveAndBadAddressesAreOneLine() throws {
        let running = try Running(host: "localhost")
        defer { running.stop() }
        #expect(running.host == "127.0.0.1")
        #expect(try LoopbackHTTP.request(port: running.port, "GET", "/health").status == 200)
        for host in ["999.1.1.1", "0.0.0.0.1", "no-such-host.invalid"] {
            #expect { _ = try Running(host: host) } throws: { error in
                "\(error)".hasPrefix("--host \(host): ") && !"\(error)".contains("\n")
            }
        }
    }
}
