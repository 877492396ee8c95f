import Application
import Foundation
import Testing
@testable import Serving

/// The API's routes and errors, with a stand-in translator (upper-cased text, score −length).
@Suite struct TranslationAPITests {
    /// The k-th best of `nbest` hypotheses: the text, then " #k" after the first; scores fall by 1.
    static func fake(_ lines: [String], beam: Int, nbest: Int = 1) -> [ScoredTranslation] {
        lines.map { line in
            ScoredTranslation(sourcePieces: [], hypotheses: (0..<nbest).map { (k: Int) -> ScoredHypothesis in
                let text: String = line.uppercased() + (beam == 1 ? "" : " b\(beam)") + (k == 0 ? "" : " #\(k)")
                let length = Double(line.count), rank = Double(k)
                return ScoredHypothesis(text: text, pieces: [], logProb: -length - rank, score: -length / 2 - rank, tokenLogProbs: [])
            })
        }
    }

    let api = TranslationAPI(limits: .init(maxBodyBytes: 200, maxSentences: 3, maxLineCharacters: 10, maxBeam: 8, defaultBeam: 4),
                             modelJSON: Data(#"{"run":"r"}"#.utf8), translate: { lines, beam, nbest, _ in Self.fake(lines, beam: beam, nbest: nbest) })

    func call(_ method: String, _ path: String, _ body: String? = "") async -> (Int, [String: Any]?, Any?, [String: String]) {
        let r = api.respond(method: method, path: path, body: body.map { Data($0.utf8) })
        let json = try? JSONSerialization.jsonObject(with: r.body)
        #expect(r.headers["Content-Type"] == "application/json")
        return (r.status, json as? [String: Any], json, r.headers)
    }

    @Test func translatesInBothShapes() async throws {
        let (status, object, _, _) = await call("POST", "/translate", #"{"text": ["hola", "", "adiós"], "beam": 1}"#)
        #expect(status == 200)
        #expect(object?["translations"] as? [String] == ["HOLA", "", "ADIÓS"])
        #expect(object?["scores"] as? [Double] == [-2, 0, -2.5])
        let defaultBeam = await call("POST", "/translate", #"{"text": ["hola"]}"#)
        #expect(defaultBeam.1?["translations"] as? [String] == ["HOLA b4"])
        let (s2, _, any, _) = await call("POST", "/translator/translate", #"[{"src": "hola", "id": 100}, {"src": "sí"}]"#)
        #expect(s2 == 200)
        let rows = try #require(any as? [[[String: Any]]])
        #expect(rows.count == 1 && rows[0].count == 2)
        #expect(rows[0][0]["tgt"] as? String == "HOLA b4" && rows[0][0]["src"] as? String == "hola")
        #expect(rows[0][0]["pred_score"] as? Double == -2 && rows[0][0]["n_best"] as? Int == 1)
        #expect(await call("GET", "/health").1?["status"] as? String == "ok")
        #expect(await call("GET", "/model").1?["run"] as? String == "r")
    }

    /// OpenNMT-py's clients: health and models under /translator, n_best per request (its k best
    /// of each source one after another), and the native route's "nbest".
    @Test func openNMTClientsGetHealthModelsAndNBest() async throws {
        #expect(await call("GET", "/translator/health").1?["status"] as? String == "ok")
        let models = try #require(await call("GET", "/translator/models").2 as? [[String: Any]])
        #expect(models.count == 1 && models[0]["model_id"] as? Int == 100 && models[0]["loaded"] as? Bool == true)
        #expect(((models[0]["opt"] as? [String: Any])?["model"] as? [String: Any])?["run"] as? String == "r")
        let (status, _, any, _) = await call("POST", "/translator/translate", #"[{"src": "a", "id": 100, "n_best": 2}, {"src": "b", "n_best": 2}]"#)
        #expect(status == 200)
        let rows = try #require((any as? [[[String: Any]]])?.first)
        #expect(rows.map { $0["tgt"] as? String } == ["A b4", "A b4 #1", "B b4", "B b4 #1"])
        #expect(rows.map { $0["src"] as? String } == ["a", "a", "b", "b"] && rows.allSatisfy { $0["n_best"] as? Int == 2 })
        let native = await call("POST", "/translate", #"{"text": ["a"], "beam": 3, "nbest": 3}"#)
        #expect(native.0 == 200 && native.1?["translations"] as? [String] == ["A b3"])
        let nbest = try #require(native.1?["nbest"] as? [[[String: Any]]])
        #expect(nbest.count == 1 && nbest[0].map { $0["translation"] as? String } == ["A b3", "A b3 #1", "A b3 #2"])
        #expect(nbest[0].map { $0["score"] as? Double } == [-0.5, -1.5, -2.5])
    }

    @Test(arguments: [
        ("POST", "/nope", "", 404, "no such path"),
        ("GET", "/translate", "", 405, "takes POST"),
        ("POST", "/health", "", 405, "takes GET"),
        ("POST", "/translate", "", 400, "empty body"),
        ("POST", "/translate", "{\"text\": [\"a\"", 400, "not valid JSON"),
        ("POST", "/translate", "[1]", 400, "must be a JSON object"),
        ("POST", "/translate", "{}", 400, "'text' is missing"),
        ("POST", "/translate", "{\"text\": \"a\"}", 400, "'text' must be a list of strings"),
        ("POST", "/translate", "{\"text\": [\"a\", 2]}", 400, "'text' must be a list of strings"),
        ("POST", "/translate", "{\"text\": []}", 400, "'text' is empty"),
        ("POST", "/translate", "{\"text\": [\"a\",\"b\",\"c\",\"d\"]}", 400, "4 sentences, over the limit of 3"),
        ("POST", "/translate", "{\"text\": [\"abcdefghijk\"]}", 400, "sentence 0 has 11 characters"),
        ("POST", "/translate", "{\"text\": [\"a\\nb\"]}", 400, "line break"),
        ("POST", "/translate", "{\"text\": [\"a\"], \"beam\": 9}", 400, "'beam' must be in 1...8"),
        ("POST", "/translate", "{\"text\": [\"a\"], \"beam\": 0}", 400, "'beam' must be in 1...8"),
        ("POST", "/translate", "{\"text\": [\"a\"], \"beam\": true}", 400, "'beam' must be an integer"),
        ("POST", "/translate", "{\"text\": [\"a\"], \"beam\": 2.5}", 400, "'beam' must be an integer"),
        ("POST", "/translate", "{\"text\": [\"a\"], \"beam\": \"2\"}", 400, "'beam' must be an integer"),
        ("POST", "/translate", "{\"text\": [\"a\"], \"nbest\": 5}", 400, "'nbest' must be in 1...4"),
        ("POST", "/translate", "{\"text\": [\"a\"], \"n\": 2}", 400, "unknown field 'n'"),
        ("POST", "/translator/translate", "{\"src\": \"a\"}", 400, "must be a JSON list"),
        ("POST", "/translator/translate", "[\"a\"]", 400, "item 0 must be an object"),
        ("POST", "/translator/translate", "[{\"src\": 1}]", 400, "item 0: 'src' must be a string"),
        ("POST", "/translator/translate", "[{\"src\": \"a\", \"id\": \"x\"}]", 400, "item 0: no model with id"),
        ("POST", "/translator/translate", "[{\"src\": \"a\", \"id\": 7}]", 400, "item 0: no model with id 7; this server has model 100"),
        ("POST", "/translator/translate", "[{\"src\": \"a\", \"tgt_prefix\": \"The\"}]", 400, "'tgt_prefix' is not supported"),
        ("POST", "/translator/translate", "[{\"src\": \"a\", \"n_best\": 9}]", 400, "'n_best' must be in 1...4"),
        ("POST", "/translator/translate", "[{\"src\": \"a\", \"n_best\": 1}, {\"src\": \"b\", \"n_best\": 2}]", 400, "the same 'n_best'"),
        ("POST", "/translator/translate", "[{\"src\": \"a\", \"beam\": 2}]", 400, "item 0: unknown field 'beam'"),
        ("POST", "/translator/translate", "[]", 400, "the list is empty"),
    ])
    func badRequestsGetAJSONErrorNamingTheProblem(method: String, path: String, body: String, status: Int, message: String) async {
        let (got, object, _, _) = await call(method, path, body)
        #expect(got == status)
        let error = object?["error"] as? String ?? ""
        #expect(error.contains(message), "\(error)")
    }

    @Test func oversizedBodiesAndBusyServers() async {
        let (status, object, _, _) = await call("POST", "/translate", nil)
        #expect(status == 413 && (object?["error"] as? String ?? "").contains("200 bytes"))
        let busy = TranslationAPI(limits: .init(), modelJSON: Data("{}".utf8)) { _, _, _, _ in throw ServingError.busy(queued: 5, limit: 5) }
        let r = busy.respond(method: "POST", path: "/translate", body: Data(#"{"text": ["a"]}"#.utf8))
        #expect(r.status == 503 && r.headers["Retry-After"] == "1")
        let failing = TranslationAPI(limits: .init(), modelJSON: Data("{}".utf8)) { _, _, _, _ in throw CocoaError(.fileNoSuchFile) }
        #expect(failing.respond(method: "POST", path: "/translate", body: Data(#"{"text": ["a"]}"#.utf8)).status == 500)
        let late = TranslationAPI(limits: .init(), modelJSON: Data("{}".utf8)) { _, _, _, _ in throw ServingError.timedOut }
        let timedOut = late.respond(method: "POST", path: "/translate", body: Data(#"{"text": ["a"]}"#.utf8))
        #expect(timedOut.status == 504 && String(decoding: timedOut.body, as: UTF8.self).contains("--request-timeout"))
    }

    /// A request's work ((characters + 1) × beam, summed) is bounded before anything is queued,
    /// and the deadline given to `respond` reaches the translator.
    @Test func theWorkOfOneRequestIsBounded() async throws {
        let seen = DeadlineLog()
        let api = TranslationAPI(limits: .init(maxLineCharacters: 100, maxBeam: 8, maxRequestWork: 100), modelJSON: Data("{}".utf8)) {
            lines, beam, nbest, deadline in
            seen.set(deadline)
            return Self.fake(lines, beam: beam, nbest: nbest)
        }
        // 2 sentences of 9 characters at beam 5: (9 + 1) × 5 × 2 = 100, at the limit.
        let deadline = Date(timeIntervalSince1970: 2_000_000_000)
        let fits = api.respond(method: "POST", path: "/translate", body: Data(#"{"text": ["123456789", "abcdefghi"]}"#.utf8), deadline: deadline)
        #expect(fits.status == 200 && seen.get() == deadline)
        let over = api.respond(method: "POST", path: "/translate", body: Data(#"{"text": ["123456789", "abcdefghij"]}"#.utf8))
        let message = String(decoding: over.body, as: UTF8.self)
        #expect(over.status == 400 && message.contains("105 units of work") && message.contains("--max-request-work"), "\(message)")
        let wide = api.respond(method: "POST", path: "/translate", body: Data(#"{"text": ["123456789"], "beam": 8}"#.utf8))
        #expect(wide.status == 200)
        let wider = api.respond(method: "POST", path: "/translator/translate", body: Data(#"[{"src": "123456789"}, {"src": "abcdefghij"}]"#.utf8))
        #expect(wider.status == 400, "the OpenNMT route has the same bound")
    }
}

final class DeadlineLog: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date?
    func set(_ date: Date) { lock.lock(); value = date; lock.unlock() }
    func get() -> Date? { lock.lock(); defer { lock.unlock() }; return value }
}
