import Foundation
import Store
import Tensor

/// `nmt study report NAME --html FILE`: one self-contained HTML page (inline SVG and CSS, no
/// scripts, no network) with the six sections of the warmup-vs-RAdam question.
public enum StudyReport {
    public struct Output {
        public var html: String
        /// Every plot as a standalone SVG, named for `--svg-dir` (e.g. "loss-lr0.001.svg").
        public var figures: [(file: String, svg: String)]
    }

    public static func html(store: RunStore, study name: String) throws -> String { try build(store: store, study: name).html }

    public static func build(store: RunStore, study name: String) throws -> Output {
        var figureFiles: [(file: String, svg: String)] = []
        func keep(_ file: String, _ svg: String) -> String { figureFiles.append((file, svg)); return svg }
        let results = try StudyResults.load(store: store, study: name)
        let figures = StudyFigures(store: store, results: results)
        let s = results.settings
        let lr = figures.focusLR
        var body = ""
        func section(_ title: String, _ note: String, _ content: String, figures: Bool = true) {
            body += "<section><h2>\(escape(title))</h2><p class=\"note\">\(note)</p>\n<div class=\"\(figures ? "figs" : "text")\">\(content)</div></section>\n"
        }
        body += "<h1>Study \(escape(name)): Adam with and without warmup, RAdam, and the controls</h1>\n"
        body += "<p>\(escape(results.headline)).</p>\n"
        if let design = results.designLines {
            body += "<h3>Plan (fixed before the first run)</h3><ul>" + design.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
        }
        body += render(results.armsTable)

        let zoom = min(s.maxUpdate, max(2 * Int(2 / (1 - s.beta2)), s.longestWarmup + 50))
        let loss = try figures.lossCurves(upTo: s.arms.map { $0.updates(studyUpdates: s.maxUpdate) }.max() ?? s.maxUpdate, zoom: zoom, zoomLR: lr)
            .map { keep($0.file, $0.svg) }.joined()
        section("1. Training loss (paper Fig. 1)", "Every arm at every learning rate, one shared y axis; the last plot zooms on the start, where warmup matters.", loss)

        var rates = ""
        if let group = try figures.focusGroup() {
            rates = try figures.adaptiveRates(group: group).map { keep($0.file, $0.svg) }.joined()
            rates = "<p class=\"note\">Effective adaptive learning rate η_t·r_t·ψ of the coordinates of <code>\(escape(group))</code> "
                + "(ψ = √(1−β2^t)/(√v_t+ε); r_t = 1 for Adam; RAdam's un-rectified updates are not drawn), lr \(lr), seed \(s.seeds.min() ?? 1), "
                + "at the updates where diagnostics were recorded. Band: 1st–99th percentile over coordinates.</p><div class=\"figs\">" + rates + "</div>"
        }
        for l in s.lrs where !s.gradientNoiseAt.isEmpty {
            if let measured = try figures.gradientNoise(lr: l) {
                rates += "<p class=\"note\">Measured (<code>nmt analyze gradient-noise</code>): the variance of ψ over \(s.gradientNoiseBatches) mini-batch gradients "
                    + "at the same parameters, mean over coordinates and seeds, at updates \(s.gradientNoiseAt.map(String.init).joined(separator: ", ")), lr \(l); "
                    + "right: the same for the effective rate, where warmup (η_t) and RAdam's r_t act. RAdam before it rectifies takes no adaptive step.</p>"
                    + "<div class=\"figs\">" + keep("gradient-noise-lr\(l).svg", measured.raw) + keep("gradient-noise-effective-lr\(l).svg", measured.effective) + "</div>"
            }
        }
        rates += "<p class=\"note\">Simulation (<code>nmt analyze variance --beta2 \(s.beta2)</code>): Var[ψ_t] of Adam and of RAdam's r_t·ψ_t for gradients "
            + "g ~ N(μ, 1), and the closed form against the paper's approximation.</p>" + keep("variance-simulation.svg", try figures.simulatedVariance())
        section("2. The adaptive learning rate's spread (paper Fig. 8–9)", "Measured in the runs, then simulated.", rates, figures: false)

        var histograms = ""
        for arm in s.arms where ["adam", s.baseline ?? "", "radam"].contains(arm.name) {
            histograms += keep("gradient-histograms-\(arm.name).svg", try figures.histograms(arm))
        }
        section("3. Gradient magnitudes (paper Fig. 2–3)", "Histograms of |g| over all parameters (seed \(s.seeds.min() ?? 1), lr \(lr)) at the updates where they were recorded.",
                histograms.isEmpty ? "<p>None of adam, the baseline, radam is in this study.</p>" : histograms)

        section("4. Learning-rate robustness (paper Fig. 6 analogue)", "Mean over the seeds that trained; band ± one standard deviation; "
                + "a cross at the top where a seed diverged or failed. Below: the largest learning rate at which every seed trained.",
                keep("valid-loss-vs-lr.svg", figures.versusLR(\.finalValidLoss, yLabel: "final validation loss (nats/token)", title: "final validation loss vs learning rate", controlLine: true))
                + keep("bleu-vs-lr.svg", figures.versusLR(\.bleuAverage, yLabel: "test BLEU (averaged checkpoint)", title: "test BLEU vs learning rate", controlLine: false))
                + keep("stability.svg", figures.stability()))

        section("5. RAdam's r_t and warmup (Ma & Yarats)", "If RAdam were only a built-in warmup, r_t would track an ω_t of about 2/(1−β2) updates. "
                + "r_t is drawn as 0 while ρ_t ≤ 5 (RAdam takes un-adapted momentum steps there, or none with radam-skip); dots: r_t as a radam run recorded it.",
                keep("rt-vs-warmup.svg", try figures.rectificationVersusWarmup()))

        let forest = figures.forest().map { "<div class=\"figs\">" + keep("forest-final-valid-loss.svg", $0) + "</div>" } ?? ""
        section("6. Results", "Seeds are the unit of evidence: each arm against the baseline at each lr, paired by seed.",
                forest + results.tables.dropFirst().map(render).joined() + definitions(results) + warnings(results) + provenance(store: store, results: results), figures: false)
        return Output(html: page(title: "nmt study \(name)", body: body), figures: figureFiles)
    }

    static func render(_ table: StudyTable) -> String {
        guard !table.rows.isEmpty else { return "" }
        return "<h3>\(escape(table.title))</h3><table><tr>" + table.headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
            + table.rows.map { "<tr>" + $0.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }.joined() + "</table>\n"
    }

    static func definitions(_ r: StudyResults) -> String {
        "<dl>" + r.definitions.keys.sorted().map { "<dt>\(escape($0))</dt><dd>\(escape(r.definitions[$0]!))</dd>" }.joined() + "</dl>\n"
    }

    static func warnings(_ r: StudyResults) -> String {
        r.warnings.isEmpty ? "" : "<ul class=\"warnings\">" + r.warnings.map { "<li>warning: \(escape($0))</li>" }.joined() + "</ul>\n"
    }

    static func provenance(store: RunStore, results: StudyResults) -> String {
        var out = "<h3>Commands</h3><pre>" + results.commands.map(escape).joined(separator: "\n") + "</pre>\n"
        if let first = results.runs.first(where: { $0.status != "missing" }), let run = try? store.run(named: first.run) {
            out += "<h3>Corpus and vocabulary</h3><table><tr><th>role</th><th>file</th><th>SHA-256</th></tr>"
            for f in run.run.corpus { out += "<tr><td>\(escape(f.role))</td><td>\(escape(f.path))</td><td><code>\(f.sha256)</code></td></tr>" }
            out += "<tr><td>vocabulary</td><td>\(escape(results.settings.data.vocabulary))</td><td><code>\(run.run.vocabularySHA256)</code></td></tr></table>\n"
            out += "<h3>Tool and machine</h3><p>nmt \(escape(run.run.toolVersion)) (commit \(escape(run.run.gitCommit))), \(escape(run.run.blas)); "
        } else {
            out += "<h3>Tool and machine</h3><p>nmt \(BuildInfo.version); "
        }
        out += "report written on \(escape(machineDescription())) at \(ISO8601DateFormatter().string(from: Date())).</p>\n"
        return out
    }

    static func machineDescription() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }?.split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) CPUs, \(BLASRuntime.description)"
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body { font-family: sans-serif; max-width: 1260px; margin: 16px auto; padding: 0 10px; color: #222; }
        h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 28px; }
        .note { color: #555; font-size: 13px; } .figs { display: flex; flex-wrap: wrap; gap: 6px; }
        table { border-collapse: collapse; font-size: 12px; margin: 8px 0; } td, th { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
        th { background: #f3f3f3; } td:nth-child(2) { text-align: left; } pre { background: #f6f6f6; padding: 8px; white-space: pre-wrap; font-size: 12px; }
        dt { font-weight: bold; font-size: 12px; } dd { font-size: 12px; margin: 0 0 4px 16px; }
        </style></head><body>
        \(body)
        </body></html>

        """
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
