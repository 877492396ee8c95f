import Foundation

/// One HTTP/1.x request as the server reads it.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// The request target as sent (origin form: a path, maybe with a query).
    public var target: String
    /// HTTP/1.`minorVersion`: 0 or 1.
    public var minorVersion: Int
    /// Header fields in order, names lowercased.
    public var headers: [(name: String, value: String)]
    public var body: Data

    /// The path without the query.
    public var path: String { target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target }

    public func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }

    /// Whether the connection stays open after the response (HTTP/1.1 unless `close`; HTTP/1.0 only with `keep-alive`).
    public var keepsAlive: Bool {
        let tokens = (header("connection") ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return minorVersion >= 1 ? !tokens.contains("close") : tokens.contains("keep-alive")
    }

    public static func == (a: HTTPRequest, b: HTTPRequest) -> Bool {
        a.method == b.method && a.target == b.target && a.minorVersion == b.minorVersion && a.body == b.body
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }
}

/// What a request may not exceed; past a limit the parser answers with the status RFC 9110
/// gives it (414 request line, 431 header fields, 413 body).
public struct HTTPLimits: Sendable {
    public var maxRequestLineBytes = 8192
    public var maxHeaderBytes = 16384
    public var maxHeaderCount = 100
    public var maxBodyBytes = 1 << 20

    public init(maxRequestLineBytes: Int = 8192, maxHeaderBytes: Int = 16384, maxHeaderCount: Int = 100, maxBodyBytes: Int = 1 << 20) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}

/// A request the server must refuse: the status to answer and why. The connection is closed
/// after the answer, since the framing of what follows is unknown.
public struct HTTPRequestError: Error, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var description: String { "\(status): \(message)" }
}

/// An incremental HTTP/1.x request parser with hard limits, apart from any socket: bytes in
/// (as they arrive, in any split), requests out. It never holds more than one request's
/// head and body, so a client cannot make it grow past the limits; every malformed input is an
/// `HTTPRequestError`, never a crash (it is fuzzed: `make fuzz`).
///
/// Accepted: origin-form targets, HTTP/1.0 and 1.1, `Content-Length` or `Transfer-Encoding:
/// chunked` bodies. Refused: obsolete line folding, whitespace before a colon, both framings at
/// once, differing lengths, other transfer codings (501), other HTTP versions (505).
public struct HTTPRequestParser {
    public enum Event: Equatable {
        /// The head asks `Expect: 100-continue` and the body has not come: the server may say `100 Continue`.
        case continueExpected
        case request(HTTPRequest)
    }

    private enum State {
        case head
        case body(HTTPRequest, remaining: Int)
        case chunkSize(HTTPRequest)
        case chunkData(HTTPRequest, remaining: Int)
        case chunkEnd(HTTPRequest)
        case trailers(HTTPRequest, bytes: Int)
    }

    public let limits: HTTPLimits
    private var buffer: [UInt8] = []
    /// Where buffer[0] starts; bytes before it are consumed (dropped in bulk, not byte by byte).
    private var start = 0
    /// How far the search for a line end has looked, so trickled bytes are not rescanned.
    private var scanned = 0
    private var state = State.head
    private var announcedContinue = false
    /// Whether a line end of the head being read has been seen (the request line is complete).
    private var headHasLineEnd = false

    public init(limits: HTTPLimits) { self.limits = limits }

    /// Whether part of a request has arrived (so a timeout now is the client's fault: 408).
    public var isMidRequest: Bool {
        if case .head = state { return start < buffer.count }
        return true
    }

    public mutating func append<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next event, or nil until more bytes arrive.
    public mutating func next() throws -> Event? {
        while true {
            switch state {
            case .head:
                guard let request = try parseHead() else { return nil }
                try begin(request)
            case .body(var request, let remaining):
                if remaining > 0, let event = continueIfAsked(request) { return event }
                let available = min(remaining, buffer.count - start)
                request.body.append(contentsOf: buffer[start..<(start + available)])
                start += available
                scanned = start
                if available < remaining { state = .body(request, remaining: remaining - available); return nil }
                state = .head
                announcedContinue = false
                return .request(request)
            case .chunkSize(let request):
                if let event = continueIfAsked(request) { return event }
                guard let line = try line(limit: 1024, tooLong: HTTPRequestError(status: 400, message: "chunk size line over 1024 bytes")) else { return nil }
                let size = try Self.chunkSize(line)
                if size == 0 { state = .trailers(request, bytes: 0); continue }
                guard request.body.count + size <= limits.maxBodyBytes else { throw Self.bodyTooLarge(limits) }
                state = .chunkData(request, remaining: size)
            case .chunkData(var request, let remaining):
                let available = min(remaining, buffer.count - start)
                request.body.append(contentsOf: buffer[start..<(start + available)])
                start += available
                scanned = start
                if available < remaining { state = .chunkData(request, remaining: remaining - available); return nil }
                state = .chunkEnd(request)
            case .chunkEnd(let request):
                guard let line = try line(limit: 2, tooLong: HTTPRequestError(status: 400, message: "chunk data longer than its size")) else { return nil }
                guard line.isEmpty else { throw HTTPRequestError(status: 400, message: "chunk data longer than its size") }
                state = .chunkSize(request)
            case .trailers(let request, let bytes):
                let left = limits.maxHeaderBytes - bytes
                guard let line = try line(limit: max(0, left), tooLong: HTTPRequestError(status: 431, message: "trailer fields over \(limits.maxHeaderBytes) bytes")) else { return nil }
                if !line.isEmpty { state = .trailers(request, bytes: bytes + line.count + 2); continue }
                state = .head
                announcedContinue = false
                return .request(request)
            }
        }
    }

    private mutating func continueIfAsked(_ request: HTTPRequest) -> Event? {
        guard !announcedContinue, start == buffer.count, request.header("expect")?.lowercased() == "100-continue", request.minorVersion >= 1 else { return nil }
        announcedContinue = true
        return .continueExpected
    }

    /// Sets the body's framing once the head is read.
    private mutating func begin(_ head: HTTPRequest) throws {
        let lengths = head.headers.filter { $0.name == "content-length" }.map(\.value)
        let codings = head.headers.filter { $0.name == "transfer-encoding" }.map(\.value)
        if !codings.isEmpty {
            guard lengths.isEmpty else { throw HTTPRequestError(status: 400, message: "both Content-Length and Transfer-Encoding: the body's length is ambiguous") }
            guard head.minorVersion >= 1 else { throw HTTPRequestError(status: 400, message: "Transfer-Encoding in an HTTP/1.0 request") }
            let all = codings.joined(separator: ",").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard all == ["chunked"] else { throw HTTPRequestError(status: 501, message: "transfer coding '\(codings.joined(separator: ", "))' is not supported (only chunked)") }
            state = .chunkSize(head)
            return
        }
        guard let first = lengths.first else { state = .body(head, remaining: 0); return }
        // Several fields, or one with a list, must all say the same number (RFC 9110 §8.6).
        let values = lengths.joined(separator: ",").split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let length = Self.decimal(values[0]), values.allSatisfy({ $0 == values[0] }) else {
            throw HTTPRequestError(status: 400, message: "invalid Content-Length '\(Self.shown(first))'")
        }
        guard length <= limits.maxBodyBytes else { throw Self.bodyTooLarge(limits) }
        state = .body(head, remaining: length)
    }

    static func bodyTooLarge(_ limits: HTTPLimits) -> HTTPRequestError {
        HTTPRequestError(status: 413, message: "request body over the limit of \(limits.maxBodyBytes) bytes")
    }

    /// The head (request line and header fields), or nil until its blank line has arrived.
    private mutating func parseHead() throws -> HTTPRequest? {
        // Empty lines before a request line are skipped (RFC 9112 §2.2).
        while start < buffer.count, buffer[start] == 0x0A || (buffer[start] == 0x0D && start + 1 < buffer.count && buffer[start + 1] == 0x0A) {
            start += buffer[start] == 0x0D ? 2 : 1
        }
        scanned = max(scanned, start)
        // The head ends at a line end: until a new one arrives only the size is checked, so
        // bytes trickled one at a time are not rescanned each time.
        if let newLineEnd = buffer[scanned...].firstIndex(of: 0x0A) {
            scanned = newLineEnd + 1
            headHasLineEnd = true
        } else {
            scanned = buffer.count
            let length = buffer.count - start
            if !headHasLineEnd && length > limits.maxRequestLineBytes + 1 { throw Self.lineTooLong(limits) }
            if length > limits.maxRequestLineBytes + limits.maxHeaderBytes + 2 {
                throw HTTPRequestError(status: 431, message: "header fields over \(limits.maxHeaderBytes) bytes")
            }
            return nil
        }
        // Find the blank line ending the head, within the limits.
        var lineStart = start, lines: [Range<Int>] = []
        var index = start
        while index < buffer.count {
            if buffer[index] == 0x0A {
                var end = index
                if end > lineStart && buffer[end - 1] == 0x0D { end -= 1 }
                if lines.isEmpty && end - lineStart > limits.maxRequestLineBytes { throw Self.lineTooLong(limits) }
                if end == lineStart && !lines.isEmpty {
                    let request = try Self.head(buffer, lines: lines)
                    start = index + 1
                    scanned = start
                    headHasLineEnd = false
                    return request
                }
                lines.append(lineStart..<end)
                if lines.count > limits.maxHeaderCount + 1 {
                    throw HTTPRequestError(status: 431, message: "over \(limits.maxHeaderCount) header fields")
                }
                lineStart = index + 1
            }
            if lines.isEmpty ? index - start >= limits.maxRequestLineBytes + 1 : index - (lines.first!.upperBound) > limits.maxHeaderBytes {
                throw lines.isEmpty ? Self.lineTooLong(limits) : HTTPRequestError(status: 431, message: "header fields over \(limits.maxHeaderBytes) bytes")
            }
            index += 1
        }
        return nil
    }

    static func lineTooLong(_ limits: HTTPLimits) -> HTTPRequestError {
        HTTPRequestError(status: 414, message: "request line over \(limits.maxRequestLineBytes) bytes")
    }

    /// The next line (without CR LF) when it has arrived; past `limit` bytes without an end, `tooLong`.
    private mutating func line(limit: Int, tooLong: HTTPRequestError) throws -> [UInt8]? {
        var index = max(scanned, start)
        while index < buffer.count {
            if buffer[index] == 0x0A {
                var end = index
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                guard end - start <= limit else { throw tooLong }
                let line = Array(buffer[start..<end])
                start = index + 1
                scanned = start
                return line
            }
            index += 1
        }
        scanned = index
        if buffer.count - start > limit + 2 { throw tooLong }
        return nil
    }

    /// The request line and header fields of a head.
    static func head(_ bytes: [UInt8], lines: [Range<Int>]) throws -> HTTPRequest {
        let requestLine = bytes[lines[0]]
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw HTTPRequestError(status: 400, message: "malformed request line '\(shown(requestLine))' (want: METHOD /path HTTP/1.1)") }
        let method = parts[0], target = parts[1], version = parts[2]
        guard !method.isEmpty, method.allSatisfy(isTokenByte) else { throw HTTPRequestError(status: 400, message: "malformed method '\(shown(method))'") }
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPRequestError(status: 400, message: "malformed request target '\(shown(target))' (want a path such as /translate)")
        }
        let minor: Int
        switch Array(version) {
        case Array("HTTP/1.1".utf8): minor = 1
        case Array("HTTP/1.0".utf8): minor = 0
        case let v where v.count == 8 && v.starts(with: "HTTP/".utf8) && isDigit(v[5]) && v[6] == UInt8(ascii: ".") && isDigit(v[7]):
            throw HTTPRequestError(status: 505, message: "HTTP version '\(shown(version))' is not supported (HTTP/1.0 and HTTP/1.1 are)")
        default: throw HTTPRequestError(status: 400, message: "malformed HTTP version '\(shown(version))'")
        }
        var headers: [(name: String, value: String)] = []
        for range in lines.dropFirst() {
            let line = bytes[range]
            if line.first == 0x20 || line.first == 0x09 { throw HTTPRequestError(status: 400, message: "obsolete line folding in the header fields") }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw HTTPRequestError(status: 400, message: "header line without a colon: '\(shown(line))'") }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(isTokenByte) else { throw HTTPRequestError(status: 400, message: "malformed header name '\(shown(name))'") }
            let value = line[(colon + 1)...]
            guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw HTTPRequestError(status: 400, message: "control character in header '\(shown(name))'")
            }
            let text = String(decoding: value, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            headers.append((String(decoding: name, as: UTF8.self).lowercased(), text))
        }
        return HTTPRequest(method: String(decoding: method, as: UTF8.self), target: String(decoding: target, as: UTF8.self),
                           minorVersion: minor, headers: headers, body: Data())
    }

    /// A chunk-size line: hex digits, maybe `;extensions` (ignored).
    static func chunkSize(_ line: [UInt8]) throws -> Int {
        let digits = line.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != 0x20 && $0 != 0x09 }
        guard !digits.isEmpty, digits.count <= 15, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16), size >= 0,
              digits.allSatisfy({ isHexDigit($0) }) else {
            throw HTTPRequestError(status: 400, message: "malformed chunk size '\(shown(line))'")
        }
        return size
    }

    static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.count <= 18, text.utf8.allSatisfy(isDigit) else { return nil }
        return Int(text)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66) }

    /// RFC 9110's tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        if byte >= 0x30 && byte <= 0x39 || byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A { return true }
        return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }

    /// Bytes for an error message: printable ASCII, at most 60 of them.
    static func shown<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let text = String(bytes.prefix(60).map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "?" })
        return bytes.count > 60 ? text + "…" : text
    }
    static func shown(_ text: String) -> String { shown(Array(text.utf8)) }
}
