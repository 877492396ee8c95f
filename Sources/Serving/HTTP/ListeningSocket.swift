import Foundation

/// The server's listening socket: bound to a host (a numeric address or a name this machine
/// resolves, such as `localhost`), accepting connections, and still able to shed them when the
/// process is out of file descriptors.
final class ListeningSocket {
    let descriptor: Int32
    /// The address actually bound (port 0 becomes the port the system chose).
    let host: String
    let port: UInt16
    /// A descriptor held in reserve: when accept fails for want of descriptors, it is freed to
    /// accept the waiting connection and close it at once, so the backlog drains instead of the
    /// accept loop spinning on a connection it can never take.
    private var reserve: Int32

    init(host: String, port: UInt16) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            throw ServingSetupError("--host \(host): \(String(cString: gai_strerror(status))) (give an address such as 127.0.0.1, 0.0.0.0 or ::1, or a name this machine resolves, such as localhost)")
        }
        defer { freeaddrinfo(list) }
        var candidates: [UnsafeMutablePointer<addrinfo>] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let entry = cursor { candidates.append(entry); cursor = entry.pointee.ai_next }
        // IPv4 first: `localhost` then serves 127.0.0.1, which every client tries.
        candidates.sort { ($0.pointee.ai_family == AF_INET ? 0 : 1) < ($1.pointee.ai_family == AF_INET ? 0 : 1) }
        var failure = ServingSetupError("--host \(host): no address to listen on")
        for entry in candidates {
            let info = entry.pointee
            let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
            guard fd >= 0 else { failure = Self.explained("socket", errno, info); continue }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if bind(fd, info.ai_addr, info.ai_addrlen) != 0 { failure = Self.explained("bind", errno, info); close(fd); continue }
            if listen(fd, 128) != 0 { failure = Self.explained("listen", errno, info); close(fd); continue }
            descriptor = fd
            (self.host, self.port) = Self.boundAddress(fd)
            reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
            return
        }
        throw failure
    }

    deinit {
        stopListening()
        if reserve >= 0 { close(reserve) }
    }

    private var listening = true

    /// Closes the socket: new clients are refused at once instead of waiting in the backlog.
    func stopListening() {
        guard listening else { return }
        listening = false
        close(descriptor)
    }

    enum Accepted { case connection(Int32), nothing, outOfDescriptors }

    /// A new connection, waiting at most `timeoutMilliseconds` for one.
    func accept(timeoutMilliseconds: Int32) -> Accepted {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&request, 1, timeoutMilliseconds) > 0 else { return .nothing }
        let fd = acceptClosingOnExec()
        if fd >= 0 { return .connection(fd) }
        switch errno {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .outOfDescriptors
        default: return .nothing   // the client gave up (ECONNABORTED), a signal, …
        }
    }

    /// Out of descriptors: accepts the waiting connection with the reserve, sends `answer`
    /// (without waiting) and closes it. False when even that failed (the caller waits a moment).
    func shed(answer: Data) -> Bool {
        guard reserve >= 0 else { reserve = open("/dev/null", O_RDONLY | O_CLOEXEC); return false }
        close(reserve)
        reserve = -1
        let fd = acceptClosingOnExec()
        if fd >= 0 {
            answer.withUnsafeBytes { _ = send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)) }
            close(fd)
        }
        reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
        return fd >= 0
    }

    /// accept(2), the new descriptor closed on exec (Glibc's accept4 is not visible to Swift).
    private func acceptClosingOnExec() -> Int32 {
        let fd = Glibc.accept(descriptor, nil, nil)
        if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return fd
    }

    /// A bind or listen failure as one line naming the address.
    static func explained(_ call: String, _ code: Int32, _ info: addrinfo) -> ServingSetupError {
        let (host, port) = numeric(info.ai_addr, info.ai_addrlen)
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        switch code {
        case EADDRINUSE: return ServingSetupError("cannot listen on \(address): the port is in use (another server?); choose another --port, or --port 0 for a free one")
        case EACCES: return ServingSetupError("cannot listen on \(address): permission denied (ports below 1024 need root)")
        case EADDRNOTAVAIL: return ServingSetupError("cannot listen on \(address): no such address on this machine")
        default: return ServingSetupError("cannot \(call) on \(address): \(String(cString: strerror(code))) (errno \(code))")
        }
    }

    static func boundAddress(_ fd: Int32) -> (String, UInt16) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard ok == 0 else { return ("?", 0) }
        return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { numeric($0, length) } }
    }

    static func numeric(_ address: UnsafePointer<sockaddr>?, _ length: socklen_t) -> (String, UInt16) {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST)), service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        guard let address, getnameinfo(address, length, &host, socklen_t(host.count), &service, socklen_t(service.count),
                                       NI_NUMERICHOST | NI_NUMERICSERV) == 0 else { return ("?", 0) }
        return (String(cString: host), UInt16(String(cString: service)) ?? 0)
    }
}
