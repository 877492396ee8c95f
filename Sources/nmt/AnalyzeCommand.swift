import Application
import ArgumentParser
import Analysis
import Foundation
import Tensor

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze", abstract: "Simulations about the optimizers, without training.",
        subcommands: [AnalyzeVarianceCommand.self])
}

struct AnalyzeVarianceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "variance",
        abstract: "Monte Carlo of the adaptive learning rate's variance for Adam and RAdam (Liu et al. 2020, Fig. 8 and 9).",
        discussion: """
        psi_t = sqrt((1-b2^t)/v_t) for gradients g ~ N(mu, sigma^2): Var[psi_t] (Adam) and Var[r_t*psi_t] (RAdam's
        rectified rate) over many trajectories, and the closed form Var[psi] of an SMA of rho gradients against
        the paper's approximation rho/(2(rho-2)(rho-4)sigma^2) and a Monte Carlo of it.
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
