import Application
import ArgumentParser
import Analysis
import Foundation
import Tensor

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze", abstract: "Optimizer simulations, and their adaptive rate measured on a run.",
        subcommands: [AnalyzeVarianceCommand.self, AnalyzeGradientNoiseCommand.self])
}

struct AnalyzeGradientNoiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradient-noise",
        abstract: "The variance of a run's adaptive learning rate over gradient noise.",
        discussion: """
        Measured at the updates named (Liu et al. 2020, claim (a)).
        At the parameters and second moment v before update t (reached by replaying the
        run from its stored configuration: training is deterministic), K independent
        mini-batch gradients each give the adaptive rate
        psi_i = sqrt(1-b2^t) / (sqrt(b2 v_i + (1-b2) g_i^2) + eps); its variance over
        the K gradients, per coordinate, summarised per parameter group (mean and median
        over coordinates, and the median of Var/mean^2). lr is the schedule's rate at t,
        r_t RAdam's rectification (none before it rectifies).
        The measurements are stored with the run (the study's report plots them).
        Example:
          nmt analyze gradient-noise bible.adam.lr0.004.s1 \\
              --db docs/study/bible.sqlite --at 1,10,50,100 --batches 8
        """)

    @Argument(help: "The run.") var name: String
    @Option(help: "Comma-separated updates (1-based).") var at = "1,10,50,100"
    @Option(help: "Mini-batch gradients per update (K, at least 2).") var batches = 8
    @Flag(help: "Print every parameter group (default: the whole model's summary per update).") var groups = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let console = runtime.apply()
        let updates = try at.split(separator: ",", omittingEmptySubsequences: false).map { s -> Int in
            guard let u = Int(s.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--at must be update numbers separated by commas, got '\(at)'") }
            return u
        }
        let records = try GradientNoiseAnalysis.measure(database: database.db, run: name, at: updates, batches: batches, console: console)
        var table = TextTable(["update", "lr", "r_t", "group", "coordinates", "mean psi", "Var[psi] mean", "Var[psi] median", "Var/mean^2 median"])
        func g(_ x: Double) -> String { String(format: "%.4g", x) }
        for update in Set(records.map(\.update)).sorted() {
            let rows = records.filter { $0.update == update }
            let shown = groups ? rows : [GradientNoiseSummary.whole(rows)]
            for r in shown {
                table.add([String(update), g(r.learningRate), r.rectification.map(g) ?? (r.adaptive ? "-" : "no adaptive step"), r.group,
                           String(r.coordinates), g(r.psiMean), g(r.psiVarianceMean), g(r.psiVarianceMedian), g(r.psiCV2Median)])
            }
        }
        print(table.render())
    }
}

struct AnalyzeVarianceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "variance",
        abstract: "Monte Carlo of the adaptive learning rate's variance: Adam and RAdam.",
        discussion: """
        As in Liu et al. 2020, Fig. 8 and 9.
        psi_t = sqrt((1-b2^t)/v_t) for gradients g ~ N(mu, sigma^2): Var[psi_t] (Adam)
        and Var[r_t*psi_t] (RAdam's rectified rate) over many trajectories, and the
        closed form Var[psi] of an SMA of rho gradients against the paper's
        approximation rho/(2(rho-2)(rho-4)sigma^2) and a Monte Carlo of it.
        """)

    @Option(help: "Gradient means, comma-separated.") var mu = "0,0.001,0.01,0.1"
    @Option(help: "Gradient standard deviation.") var sigma = 1.0
    @Option(help: "Adam's beta2.") var beta2 = 0.999
    @Option(help: "Trajectories per mean.") var trajectories = 5000
    @Option(help: "Updates per trajectory.") var iterations = 6000
    @Option(name: .customLong("sma-samples"), help: "Monte Carlo samples per rho for the closed-form check.") var smaSamples = 20000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Write the plots to this SVG file.") var svg: String?

    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        runtime.apply()
        var s = VarianceStudy.Settings()
        let mus = mu.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !mus.isEmpty, mus.allSatisfy({ $0 != nil }) else { throw ValidationError("--mu must be numbers separated by commas, got '\(mu)'") }
        s.mus = mus.map { $0! }
        s.sigma = sigma
        s.beta2 = beta2
        s.trajectories = trajectories
        s.iterations = iterations
        s.smaSamples = smaSamples
        s.seed = seed
        let study = try VarianceStudy(s)
        print("Adaptive learning rate psi_t = sqrt((1-b2^t)/v_t), g ~ N(mu, \(sigma)^2), beta2 \(beta2), \(trajectories) trajectories (paper Fig. 9)")
        let t = study.trajectoryTable()
        var table = TextTable(t.header)
        for row in t.rows { table.add(row) }
        print(table.render())
        print()
        print("Var[psi] of an SMA of rho N(0, \(sigma)^2) gradients: closed form, the paper's approximation, Monte Carlo (\(smaSamples) samples) (paper Fig. 8)")
        let c = study.closedFormTable()
        var closed = TextTable(c.header)
        for row in c.rows { closed.add(row) }
        print(closed.render())
        if let svg {
            do { try study.svg().write(toFile: svg, atomically: true, encoding: .utf8) }
            catch { throw CLIError("\(svg): cannot write the plot: \(error.localizedDescription)") }
            print("plots: \(svg)")
        }
    }
}
