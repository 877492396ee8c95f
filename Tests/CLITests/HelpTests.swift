import Foundation
import Testing
import TestSupport

/// Every command answers `--help` with its usage on stdout and exit status 0 (a catch-all for
/// library errors once turned ArgumentParser's help request into "nmt: error: CommandError(…)").
struct HelpTests {
    @Test(arguments: [[], ["train"], ["study"], ["study", "run"], ["study", "show"], ["study", "report"], ["bleu"], ["translate"],
                      ["eval"], ["compare"], ["analyze", "variance"], ["bpe", "learn"]])
    func helpPrintsUsage(command: [String]) throws {
        let result = try NMTProcess.run(command + ["--help"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("USAGE:") && !result.stderr.contains("error"), "\(command): \(result.stdout.prefix(200)) \(result.stderr)")
    }
}
