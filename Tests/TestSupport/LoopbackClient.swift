import Foundation

/// A loopback client for server tests: holds a connection open, sends in pieces, and stops
/// sending once the server has answered.
public final class LoopbackClient {
    public let fd: Int32

    public init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw TestSupportError("cannot connect to 127.0.0.1:\(port)") }
    }

    deinit { close() }
    private var closed = false
    public func close() { if !closed { Glibc.close(fd); closed = true } }

    /// Sends all of `data` (waiting while the server's buffers are full).
    public func send(_ data: Data) throws {
        var sent = 0
        try data.withUnsafeBytes { buffer in
            while sent < buffer.count {
                let n = Glibc.send(fd, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { throw TestSupportError("send failed after \(sent) bytes") }
                sent += n
            }
        }
    }

    /// Sends `data` 64 KiB at a time until the server answers (or all is sent), then reads the
    /// answer until the server closes (at most 30 s).
    public func sendUntilAnswered(_ data: Data) throws -> (sent: Int, answer: Data) {
        var sent = 0
        while sent < data.count {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&ready, 1, 0) > 0 { break }
            let piece = data[(data.startIndex + sent)..<(data.startIndex + min(data.count, sent + 65536))]
            let n = piece.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
            if n > 0 { sent += n } else if errno == EAGAIN { usleep(1000) } else { break }
        }
        return (sent, read(timeout: 30))
    }

    /// What the server sends within `timeout` seconds, until it closes.
    public func read(timeout: Double) -> Data {
        var answer = Data(), chunk = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { continue }
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            answer.append(contentsOf: chunk[..<n])
        }
        return answer
    }
}
