import Foundation

/// A minimal HTTP/1.1 client for server tests on 127.0.0.1: one request per connection
/// (`Connection: close`), the raw bytes when a test needs to send something malformed.
public enum LoopbackHTTP {
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
        public var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public static func request(port: UInt16, _ method: String, _ path: String, body: Data? = nil, timeout: Double = 60) throws -> Reply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        var bytes = Data((head + "\r\n").utf8)
        if let body { bytes.append(body) }
        let answer = try raw(port: port, bytes, timeout: timeout)
        guard let reply = parse(answer) else { throw TestSupportError("no HTTP response to \(method) \(path): \(answer.count) bytes") }
        return reply
    }

    public static func post(port: UInt16, _ path: String, json: String) throws -> Reply {
        try request(port: port, "POST", path, body: Data(json.utf8))
    }

    /// Sends `bytes`, then reads until the server closes the connection (or `timeout`).
    public static func raw(port: UInt16, _ bytes: Data, timeout: Double = 60) throws -> Data {
        let client = try LoopbackClient(port: port)
        try client.send(bytes)
        return client.read(timeout: timeout)
    }

    public static func parse(_ data: Data) -> Reply? {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Reply(status: status, headers: headers, body: Data(data[end.upperBound...]))
    }
}
