import Application
import ArgumentParser
import Foundation
import Serving

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve translations over HTTP (JSON).",
        discussion: """
        Requests arriving together share one beam search.
          POST /translate             {"text": ["Hola."], "beam": 5}
                                      -> {"translations": ["Hello."], "scores": [-0.31]}
                                      ("nbest": k adds the k best of each sentence)
          POST /translator/translate  OpenNMT-py's REST shape:
                                      [{"src": "Hola.", "id": 100, "n_best": 1}]
                                      -> [[{"src", "tgt", "n_best", "pred_score"}]]
          GET  /translator/models     the model, as OpenNMT-py lists it (id 100)
          GET  /health                {"status": "ok"} (also /translator/health)
          GET  /model                 run, checkpoint, model configuration,
                                      vocabulary hash, decoding defaults
        --nbest sets the hypotheses per sentence a request gets when it does not ask.
        A score is the log-probability divided by length^lenpen (natural log). Errors
        are JSON {"error": "..."} with status 400 (bad request, or more work than
        --max-request-work), 404, 405, 408 (request not sent within --read-timeout),
        413/414/431 (body, request line or header fields too large), 503 with
        Retry-After (queue full, or over --max-connections), or 504 (translation past
        --request-timeout: it is stopped). Long requests are translated in parts,
        taking turns with others. SIGTERM finishes the requests in flight, then exits 0.
          nmt serve --run radam --port 8080
          curl -s localhost:8080/translate \\
              -d '{"text": ["En el principio creó Dios los cielos y la tierra."]}'
        """)

    @OptionGroup var source: ModelSourceOptions
    @OptionGroup(title: "Decoding") var decoding: DecodingOptions
    @OptionGroup var int8: Int8Option
    @Option(help: "Address to listen on (IPv4, IPv6 or a name such as localhost; 0.0.0.0 for every interface).") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one, printed at start).") var port: UInt16 = 8080
    @Option(name: .customLong("max-queue"), help: "Sentences queued or in translation at most; more gets 503.") var maxQueue = 1024
    @Option(name: .customLong("batch-wait-ms"), help: "How long a request waits for others to share its search.") var batchWaitMs = 5.0
    @Option(name: .customLong("max-batch-sentences"), help: "Sentences per shared search at most.") var maxBatchSentences = 256
    @Option(name: .customLong("max-sentences"), help: "Sentences per request at most.") var maxSentences = 256
    @Option(name: .customLong("max-line-chars"), help: "Characters per sentence at most.") var maxLineChars = 2000
    @Option(name: .customLong("max-body-bytes"), help: "Request body size at most.") var maxBodyBytes = 1 << 20
    @Option(name: .customLong("max-request-work"), help: "Work per request at most: (characters + 1) × beam, summed over its sentences.")
    var maxRequestWork = 1_000_000
    @Option(name: .customLong("request-timeout"), help: "Seconds a request's translation may take; then it is stopped and gets 504.") var requestTimeout = 300.0
    @Option(name: .customLong("read-timeout"), help: "Seconds a client has to send a whole request (else 408); also the keep-alive idle time.")
    var readTimeout = 30.0
    @Option(name: .customLong("max-connections"), help: "Connections open at once, at most; more get 503.") var maxConnections = 64
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        for (value, flag) in [(maxQueue, "--max-queue"), (maxBatchSentences, "--max-batch-sentences"), (maxSentences, "--max-sentences"),
                              (maxLineChars, "--max-line-chars"), (maxBodyBytes, "--max-body-bytes"), (maxRequestWork, "--max-request-work"),
                              (maxConnections, "--max-connections")] where value < 1 {
            throw ValidationError("\(flag) must be at least 1, got \(value)")
        }
        if maxSentences > maxQueue { throw ValidationError("--max-sentences (\(maxSentences)) cannot exceed --max-queue (\(maxQueue))") }
        if !(batchWaitMs >= 0 && batchWaitMs <= 60_000) { throw ValidationError("--batch-wait-ms must be in 0...60000, got \(batchWaitMs)") }
        if !(requestTimeout > 0 && requestTimeout <= 86_400) { throw ValidationError("--request-timeout must be in (0, 86400] seconds, got \(requestTimeout)") }
        if !(readTimeout > 0 && readTimeout <= 86_400) { throw ValidationError("--read-timeout must be in (0, 86400] seconds, got \(readTimeout)") }
        if maxBodyBytes > 1 << 30 { throw ValidationError("--max-body-bytes must be at most \(1 << 30), got \(maxBodyBytes)") }
        if maxConnections > 10_000 { throw ValidationError("--max-connections must be at most 10000 (a thread each), got \(maxConnections)") }
    }

    func run() throws {
        let console = runtime.apply()
        let loaded = try source.source.load(console: console)
        let translator = try Translator(model: loaded.model, vocabulary: loaded.vocabulary, settings: decoding.settings,
                                        maxTokens: decoding.batchTokens, shortlist: try source.loadShortlist(),
                                        int8: int8.weights(for: loaded.model, console: console))
        let batcher = BatchingTranslator(translator, limits: .init(maxQueuedSentences: maxQueue, maxWait: batchWaitMs / 1000,
                                                                    maxBatchSentences: maxBatchSentences))
        let api = TranslationAPI(
            limits: .init(maxBodyBytes: maxBodyBytes, maxSentences: maxSentences, maxLineCharacters: maxLineChars,
                          maxBeam: decoding.maxBeam, defaultBeam: decoding.beam, defaultNBest: decoding.nbest, maxRequestWork: maxRequestWork),
            modelJSON: try ServedModel.json(loaded, settings: decoding.settings, maxBeam: decoding.maxBeam, int8: int8.int8),
            translate: { lines, beam, nbest, deadline in try batcher.translateWaiting(lines, beam: beam, nbest: nbest, deadline: deadline) })
        let server = TranslationServer(api: api, host: host, port: port,
                                       limits: ConnectionLimits(readTimeout: readTimeout, requestTimeout: requestTimeout, maxConnections: maxConnections))
        let what = loaded.run.map { "run \($0.name), checkpoint \($0.checkpoint.info.id) (update \($0.checkpoint.info.update))" } ?? loaded.modelFile ?? ""
        defer { batcher.stop() }
        do {
            try server.run(onListening: { host, port in
                let shown = host.contains(":") ? "[\(host)]" : host
                print("nmt serve: listening on http://\(shown):\(port) (\(what)); POST /translate", terminator: "\n")
                fflush(stdout)
            }, onStop: { console.info("nmt serve: stopping; finishing the requests in flight") })
        } catch { throw CLIError("nmt serve: \(error)") }
        console.info("nmt serve: stopped after \(batcher.sentences) sentences in \(batcher.batches) searches")
    }
}

