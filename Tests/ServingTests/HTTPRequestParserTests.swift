import Foundation
import Testing
@testable import Serving

/// The HTTP/1.x request parser: every split of the bytes gives the same requests, and each
/// limit and malformation is its own status.
@Suite struct HTTPRequestParserTests {
    let limits = HTTPLimits(maxRequestLineBytes: 64, maxHeaderBytes: 128, maxHeaderCount: 4, maxBodyBytes: 32)

    /// The events of `bytes` fed in pieces of `step` bytes (0: all at once), or the error.
    func parse(_ bytes: String, step: Int = 0, limits: HTTPLimits? = nil) -> Result<[HTTPRequestParser.Event], HTTPRequestError> {
        var parser = HTTPRequestParser(limits: limits ?? self.limits)
        let data = Array(bytes.utf8)
        var events: [HTTPRequestParser.Event] = []
        var offset = 0
        repeat {
            let end = step == 0 ? data.count : min(data.count, offset + step)
            parser.append(data[offset..<end])
            offset = end
            do {
                while let event = try parser.next() { events.append(event) }
            } catch let error as HTTPRequestError {
                return .failure(error)
            } catch { Issue.record("\(error)"); return .success([]) }
        } while offset < data.count
        return .success(events)
    }

    func requests(_ bytes: String, step: Int = 0) -> [HTTPRequest] {
        guard case .success(let events) = parse(bytes, step: step) else { return [] }
        return events.compactMap { if case .request(let r) = $0 { return r }; return nil }
    }

    func status(_ bytes: String, step: Int = 0) -> Int? {
        if case .failure(let error) = parse(bytes, step: step) { return error.status }
        return nil
    }

    @Test func everySplitGivesTheSameRequests() {
        let stream = "POST /translate?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /health HTTP/1.0\nConnection: keep-alive\n\n"
            + "POST /t HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n"
        let whole = requests(stream)
        #expect(whole.count == 3)
        #expect(whole[0].method == "POST" && whole[0].path == "/translate" && whole[0].target == "/translate?x=1" && whole[0].body == Data("hello".utf8))
        #expect(whole[0].header("host") == "a" && whole[0].keepsAlive)
        #expect(whole[1].minorVersion == 0 && whole[1].keepsAlive && whole[1].body.isEmpty)
        #expect(whole[2].body == Data("abcde".utf8))
        for step in [1, 2, 3, 7, 13] { #expect(requests(stream, step: step) == whole, "in pieces of \(step)") }
    }

    @Test func limitsHaveTheirOwnStatus() {
        #expect(status("GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\n\r\n") == 414)
        #expect(status("GET /" + String(repeating: "a", count: 100)) == 414, "before the line ends")
        #expect(status("GET /" + String(repeating: "a", count: 100), step: 1) == 414, "trickled")
        #expect(status("GET / HTTP/1.1\r\nX: " + String(repeating: "b", count: 200) + "\r\n\r\n") == 431)
        #expect(status("GET / HTTP/1.1\r\nX: " + String(repeating: "b", count: 300), step: 5) == 431, "trickled, before the line ends")
        #expect(status("GET / HTTP/1.1\r\n" + String(repeating: "A: 1\r\n", count: 5) + "\r\n") == 431, "five fields, the limit is four")
        #expect(status("POST / HTTP/1.1\r\nContent-Length: 33\r\n\r\n") == 413, "refused before the body is read")
        #expect(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + String(repeating: "x", count: 32) + "\r\n1\r\ny\r\n0\r\n\r\n") == 413)
        #expect(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " + String(repeating: "t", count: 200) + "\r\n\r\n") == 431)
        #expect(status("POST / HTTP/1.1\r\nContent-Length: 32\r\n\r\n" + String(repeating: "x", count: 32)) == nil, "at the limit")
    }

    @Test func malformedRequestsAreRefused() {
        let cases: [(String, Int)] = [
            ("NOT HTTP AT ALL\r\n\r\n", 400), ("GET /\r\n\r\n", 400), ("GET  / HTTP/1.1\r\n\r\n", 400), ("G(T / HTTP/1.1\r\n\r\n", 400),
            ("GET http://x/ HTTP/1.1\r\n\r\n", 400), ("GET / HTTP/2.0\r\n\r\n", 505), ("GET / HTTQ/1.1\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400), ("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", 400), ("GET / HTTP/1.1\r\nA: x\u{1}y\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400), ("POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
            ("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501), ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", 400),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400),
        ]
        for (bytes, expected) in cases {
            #expect(status(bytes) == expected, "\(bytes.debugDescription)")
            #expect(status(bytes, step: 1) == expected, "\(bytes.debugDescription) trickled")
        }
        #expect(requests("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab").first?.body == Data("ab".utf8), "equal lengths agree")
    }

    @Test func continueIsOfferedOnceWhenTheBodyHasNotCome() throws {
        var parser = HTTPRequestParser(limits: limits)
        parser.append(Array("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        #expect(try parser.next() == .continueExpected)
        #expect(try parser.next() == nil && parser.isMidRequest)
        parser.append(Array("ok".utf8))
        guard case .request(let request)? = try parser.next() else { Issue.record("no request"); return }
        #expect(request.body == Data("ok".utf8) && !parser.isMidRequest)
    }
}
