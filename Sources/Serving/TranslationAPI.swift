import Application
import Foundation

/// The HTTP API of `nmt serve`, apart from any socket: a request (method, path, body) in, a
/// response (status, headers, JSON) out, so every route and error is testable directly. It is
/// synchronous: each connection has its own thread, which waits for its translation.
///   POST /translate             {"text": ["…"], "beam": 5} → {"translations": ["…"], "scores": [s]}
///   POST /translate             with "nbest": k also → {"nbest": [[{"translation", "score"} × k] per sentence]}
///   POST /translator/translate  OpenNMT-py's REST shape: [{"src": "…", "id": 100, "n_best": k}] →
///                               [[{"src": "…", "tgt": "…", "n_best": k, "pred_score": s} × k per src]]
///                               ("id" is the model's, as GET /translator/models lists it; "tgt_prefix"
///                               is refused: nmt does not force a prefix)
///   GET  /translator/health     {"status": "ok"} (also GET /health)
///   GET  /translator/models     [{"model_id": 100, "loaded": true, "opt": {the model document}, …}]
///   GET  /model                 what is served (run, checkpoint, model configuration, vocabulary hash)
/// A score is the hypothesis's log-probability (natural log, `</s>` included) divided by
/// length^lenpen, as `nmt translate --nbest-format tsv` prints it. Every error is a JSON
/// object {"error": "…"} with a 4xx/5xx status naming the problem.
public struct TranslationAPI: Sendable {
    public struct Limits: Sendable {
        public var maxBodyBytes = 1 << 20
        public var maxSentences = 256
        public var maxLineCharacters = 2000
        public var maxBeam = 64
        public var defaultBeam = 5
        /// Hypotheses per sentence when a request does not say (`nmt serve --nbest`).
        public var defaultNBest = 1
        /// The work one request may ask for: Σ (characters + 1) × beam over its sentences. With
        /// the other limits alone a request could ask for 256 × 2,000 characters at beam 64.
        public var maxRequestWork = 1_000_000

        public init(maxBodyBytes: Int = 1 << 20, maxSentences: Int = 256, maxLineCharacters: Int = 2000, maxBeam: Int = 64, defaultBeam: Int = 5,
                    defaultNBest: Int = 1, maxRequestWork: Int = 1_000_000) {
            self.defaultNBest = defaultNBest
            self.maxRequestWork = maxRequestWork
            self.maxBodyBytes = maxBodyBytes
            self.maxSentences = maxSentences
            self.maxLineCharacters = maxLineCharacters
            self.maxBeam = maxBeam
            self.defaultBeam = defaultBeam
        }
    }

    public struct Response: Sendable, Equatable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data

        static func json(_ status: Int, _ value: Any, headers: [String: String] = [:]) -> Response {
            let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            return Response(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: data)
        }

        static func error(_ status: Int, _ message: String, headers: [String: String] = [:]) -> Response {
            json(status, ["error": message], headers: headers)
        }
    }

    public let limits: Limits
    /// The GET /model document (a JSON object).
    public let modelJSON: Data
    /// Translates sentences with a beam size, keeping the n best hypotheses of each, before a deadline.
    public typealias Translate = @Sendable (_ lines: [String], _ beam: Int, _ nbest: Int, _ deadline: Date) throws -> [ScoredTranslation]
    private let translate: Translate

    /// OpenNMT-py's id of the one model served (its example configuration's first id).
    public static let openNMTModelID = 100

    public init(limits: Limits, modelJSON: Data,
                translate: @escaping Translate) {
        self.limits = limits
        self.modelJSON = modelJSON
        self.translate = translate
    }

    static let routes: [String: String] = ["/translate": "POST", "/translator/translate": "POST", "/health": "GET", "/model": "GET",
                                           "/translator/health": "GET", "/translator/models": "GET"]


    /// The response to `method path` with `body` (nil when it was not read: over the size
    /// limit); a translation not done by `deadline` is stopped and answered 504.
    public func respond(method: String, path: String, body: Data?, deadline: Date = .distantFuture) -> Response {
        guard let allowed = Self.routes[path] else { return .error(404, "no such path '\(path)'; the API has \(Self.routes.keys.sorted().joined(separator: ", "))") }
        guard method == allowed else { return .error(405, "\(path) takes \(allowed), not \(method)", headers: ["Allow": allowed]) }
        switch path {
        case "/health", "/translator/health": return .json(200, ["status": "ok"])
        case "/model": return Response(status: 200, headers: ["Content-Type": "application/json"], body: modelJSON)
        case "/translator/models":
            let model = (try? JSONSerialization.jsonObject(with: modelJSON)) ?? [String: Any]()
            return .json(200, [["model_id": Self.openNMTModelID, "loaded": true, "timeout": -1, "on_timeout": "unload",
                                "opt": ["model": model, "beam_size": limits.defaultBeam, "n_best": limits.defaultNBest] as [String: Any]] as [String: Any]])
        default: break
        }
        guard let body else { return .error(413, "request body over the limit of \(limits.maxBodyBytes) bytes") }
        do {
            let json = try parse(body)
            return path == "/translate" ? try translateNative(json, deadline: deadline) : try translateOpenNMT(json, deadline: deadline)
        } catch let error as RequestError {
            return .error(400, error.message)
        } catch let error as ServingError {
            if case .busy = error { return .error(503, error.description, headers: ["Retry-After": "1"]) }
            if case .timedOut = error { return .error(504, "translation did not finish within the request timeout (the server's --request-timeout); it was stopped") }
            return .error(503, error.description)
        } catch {
            return .error(500, "translation failed: \(error)")
        }
    }

    struct RequestError: Error { var message: String }

    private func parse(_ body: Data) throws -> JSONValue {
        if body.isEmpty { throw RequestError(message: "empty body: send JSON") }
        do { return try JSONValue.parse(body) }
        catch let error as JSONValueError { throw RequestError(message: "body is not valid JSON: \(error.message)") }
    }

    /// The sentences, checked against the limits (`what` names them in errors).
    private func lines(_ items: [String], what: String, beam: Int) throws -> [String] {
        if items.isEmpty { throw RequestError(message: "\(what) is empty: give at least one sentence") }
        if items.count > limits.maxSentences {
            throw RequestError(message: "\(what) has \(items.count) sentences, over the limit of \(limits.maxSentences) per request")
        }
        for (i, line) in items.enumerated() {
            if line.count > limits.maxLineCharacters {
                throw RequestError(message: "sentence \(i) has \(line.count) characters, over the limit of \(limits.maxLineCharacters)")
            }
            if line.contains(where: \.isNewline) { throw RequestError(message: "sentence \(i) contains a line break: send one sentence per item") }
        }
        let work = items.reduce(0) { $0 + ($1.count + 1) * beam }
        if work > limits.maxRequestWork {
            throw RequestError(message: "the request asks for \(work) units of work ((characters + 1) × beam, summed over its sentences), "
                + "over the limit of \(limits.maxRequestWork) (the server's --max-request-work): send fewer or shorter sentences or a smaller beam")
        }
        return items
    }

    /// Hypotheses per sentence: 1...beam.
    private func nbest(_ value: JSONValue?, beam: Int, field: String) throws -> Int {
        guard let value else { return min(limits.defaultNBest, beam) }
        guard let n = value.integer else { throw RequestError(message: "'\(field)' must be an integer") }
        guard (1...beam).contains(n) else { throw RequestError(message: "'\(field)' must be in 1...\(beam) (the beam size), got \(n)") }
        return n
    }

    private func beam(_ value: JSONValue?) throws -> Int {
        guard let value else { return limits.defaultBeam }
        guard let beam = value.integer else { throw RequestError(message: "'beam' must be an integer") }
        guard (1...limits.maxBeam).contains(beam) else {
            throw RequestError(message: "'beam' must be in 1...\(limits.maxBeam) (the server's --max-beam), got \(beam)")
        }
        return beam
    }

    private func translateNative(_ json: JSONValue, deadline: Date) throws -> Response {
        guard case .object(let object) = json else {
            throw RequestError(message: #"body must be a JSON object such as {"text": ["Hola."], "beam": 5}"#)
        }
        if let unknown = object.keys.sorted().first(where: { !["text", "beam", "nbest"].contains($0) }) {
            throw RequestError(message: "unknown field '\(unknown)' (known: text, beam, nbest)")
        }
        guard let raw = object["text"] else { throw RequestError(message: "'text' is missing: a list of sentences") }
        guard case .array(let items) = raw, items.allSatisfy({ $0.string != nil }) else {
            throw RequestError(message: "'text' must be a list of strings")
        }
        let beam = try beam(object["beam"])
        let nbest = try nbest(object["nbest"], beam: beam, field: "nbest")
        let results = try translate(try lines(items.map { $0.string! }, what: "'text'", beam: beam), beam, nbest, deadline)
        let translations: [String] = results.map { $0.hypotheses[0].text }
        let scores: [Double] = results.map { $0.hypotheses[0].score }
        var answer: [String: Any] = ["translations": translations, "scores": scores]
        if object["nbest"] != nil || nbest > 1 {
            answer["nbest"] = results.map { $0.hypotheses.map { ["translation": $0.text, "score": $0.score] as [String: Any] } }
        }
        return .json(200, answer)
    }

    private func translateOpenNMT(_ json: JSONValue, deadline: Date) throws -> Response {
        guard case .array(let items) = json else { throw RequestError(message: #"body must be a JSON list such as [{"src": "Hola.", "id": 0}]"#) }
        var sources: [String] = []
        var requested: Int?
        for (i, item) in items.enumerated() {
            guard case .object(let object) = item else { throw RequestError(message: "item \(i) must be an object with 'src'") }
            if let unknown = object.keys.sorted().first(where: { !["src", "id", "n_best", "tgt_prefix"].contains($0) }) {
                throw RequestError(message: "item \(i): unknown field '\(unknown)' (known: src, id, n_best)")
            }
            guard let src = object["src"]?.string else { throw RequestError(message: "item \(i): 'src' must be a string") }
            if let id = object["id"] {
                // OpenNMT-py's "id" names the model that translates the item.
                guard id.integer == Self.openNMTModelID else {
                    throw RequestError(message: "item \(i): no model with id \(id.integer.map(String.init) ?? "that is not an integer"); "
                        + "this server has model \(Self.openNMTModelID) (GET /translator/models)")
                }
            }
            if object["tgt_prefix"] != nil {
                throw RequestError(message: "item \(i): 'tgt_prefix' is not supported (nmt does not force a target prefix)")
            }
            if let n = object["n_best"] {
                let value = try nbest(n, beam: limits.defaultBeam, field: "n_best")
                if let requested, requested != value { throw RequestError(message: "item \(i): every item of a request must ask for the same 'n_best'") }
                requested = value
            }
            sources.append(src)
        }
        let nbest = requested ?? min(limits.defaultNBest, limits.defaultBeam)
        let results = try translate(try lines(sources, what: "the list", beam: limits.defaultBeam), limits.defaultBeam, nbest, deadline)
        // OpenNMT-py lists the n best of each source one after another, in one list.
        let answers: [[String: Any]] = zip(sources, results).flatMap { src, r in
            r.hypotheses.prefix(nbest).map { h in ["src": src, "tgt": h.text, "n_best": nbest, "pred_score": h.score] as [String: Any] }
        }
        return .json(200, [answers])
    }
}
