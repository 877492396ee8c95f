import Foundation

/// How the connection layer bounds what one client can take: time to send a request, time for
/// its answer, and descriptors.
public struct ConnectionLimits: Sendable {
    public var http = HTTPLimits()
    /// A request must arrive whole within this many seconds of its first byte (else 408), an
    /// idle keep-alive connection is closed after it, and an answer the client does not read
    /// is dropped after it.
    public var readTimeout = 30.0
    /// Seconds a request's translation may take once it has arrived (else 504, and its search stops).
    public var requestTimeout = 300.0
    /// Connections open at once, at most; one more is answered 503 and closed.
    public var maxConnections = 64

    public init(http: HTTPLimits = HTTPLimits(), readTimeout: Double = 30, requestTimeout: Double = 300, maxConnections: Int = 64) {
        self.http = http
        self.readTimeout = readTimeout
        self.requestTimeout = requestTimeout
        self.maxConnections = maxConnections
    }
}

/// One client connection on its own thread: reads requests (pipelined or kept alive) through
/// `HTTPRequestParser`, answers each with `respond`, and closes on a framing error (answered
/// first), a timeout, the client closing, or the server stopping while the connection is idle.
struct HTTPConnection {
    let descriptor: Int32
    let limits: ConnectionLimits
    /// The answer to a request, given the deadline of its translation.
    let respond: (HTTPRequest, Date) -> TranslationAPI.Response
    let isStopping: () -> Bool

    func run() {
        defer { close(descriptor) }
        var parser = HTTPRequestParser(limits: limits.http)
        var chunk = [UInt8](repeating: 0, count: 65536)
        var requestStarted: Date?
        var idleSince = Date()
        while true {
            do {
                while let event = try parser.next() {
                    switch event {
                    case .continueExpected:
                        guard write(Data("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
                    case .request(let request):
                        let response = respond(request, Date().addingTimeInterval(limits.requestTimeout))
                        let keepAlive = request.keepsAlive && !isStopping()
                        guard write(response.serialized(keepAlive: keepAlive, includeBody: request.method != "HEAD")), keepAlive else { return }
                        idleSince = Date()
                        requestStarted = parser.isMidRequest ? Date() : nil
                    }
                }
            } catch let error as HTTPRequestError {
                if write(TranslationAPI.Response.error(error.status, error.message).serialized(keepAlive: false)) { lingeringClose() }
                return
            } catch {
                _ = write(TranslationAPI.Response.error(500, "\(error)").serialized(keepAlive: false))
                return
            }
            let now = Date()
            let limit = (requestStarted ?? idleSince).addingTimeInterval(limits.readTimeout)
            if now >= limit {
                if requestStarted != nil {
                    _ = write(TranslationAPI.Response.error(408, "the request did not arrive whole within \(Self.seconds(limits.readTimeout)) (the server's --read-timeout)")
                        .serialized(keepAlive: false))
                }
                return
            }
            if requestStarted == nil && isStopping() { return }
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(1, min(100, limit.timeIntervalSince(now) * 1000)))
            let polled = poll(&ready, 1, wait)
            if polled < 0 && errno != EINTR { return }
            guard polled > 0 else { continue }
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count == 0 { return }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            parser.append(chunk[..<count])
            if requestStarted == nil && parser.isMidRequest { requestStarted = Date() }
        }
    }

    /// After an error answer while the client may still be sending (an 8 MB header): says
    /// end-of-stream, then reads and drops what comes for a moment, so closing does not reset
    /// the connection and destroy the answer before the client reads it.
    private func lingeringClose() {
        shutdown(descriptor, Int32(SHUT_WR))
        let deadline = Date().addingTimeInterval(2)
        var sink = [UInt8](repeating: 0, count: 65536), dropped = 0
        while dropped < 16 << 20 {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return }
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, Int32(left * 1000) + 1) > 0 else { return }
            let n = recv(descriptor, &sink, sink.count, 0)
            if n <= 0 { return }
            dropped += n
        }
    }

    /// Sends all of `data`, giving up after the read timeout (a client that does not read).
    private func write(_ data: Data) -> Bool {
        let deadline = Date().addingTimeInterval(limits.readTimeout)
        return data.withUnsafeBytes { buffer -> Bool in
            var sent = 0
            while sent < buffer.count {
                let n = send(descriptor, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
                if n > 0 { sent += n; continue }
                guard n < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { return false }
                let left = deadline.timeIntervalSinceNow
                guard left > 0 else { return false }
                var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&ready, 1, Int32(min(1000, left * 1000) + 1))
            }
            return true
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

extension TranslationAPI.Response {
    static let phrases = [200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
                          413: "Content Too Large", 414: "URI Too Long", 431: "Request Header Fields Too Large",
                          500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable", 504: "Gateway Timeout",
                          505: "HTTP Version Not Supported"]

    /// The response as HTTP/1.1 bytes.
    func serialized(keepAlive: Bool, includeBody: Bool = true) -> Data {
        var head = "HTTP/1.1 \(status) \(Self.phrases[status] ?? "Error")\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        var data = Data(head.utf8)
        if includeBody { data.append(body) }
        return data
    }
}
