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

    /// ArgumentParser re-wraps any line wider than the screen (80 columns off a terminal), which
    /// splits hand-wrapped text and examples mid-command. Every command's help is written to fit:
    /// the abstract one line of ≤ 70 (it follows "OVERVIEW: "), every discussion line ≤ 80.
    @Test func helpTextFitsEightyColumnsSoNothingIsRewrapped() throws {
        let dump = try NMTProcess.run(["--experimental-dump-help"])
        #expect(dump.status == 0, "\(dump.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: dump.stdoutData) as? [String: Any])
        var offenders: [String] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            let abstract = command["abstract"] as? String ?? ""
            if abstract.contains("\n") || abstract.count > 70 { offenders.append("\(path.joined(separator: " ")): abstract (\(abstract.count))") }
            for line in (command["discussion"] as? String ?? "").split(separator: "\n", omittingEmptySubsequences: false) where line.count > 80 {
                offenders.append("\(path.joined(separator: " ")): \(line.prefix(50))… (\(line.count))")
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] { walk(sub, path + [sub["commandName"] as? String ?? "?"]) }
        }
        walk(try #require(root["command"] as? [String: Any]), ["nmt"])
        #expect(offenders.isEmpty, "help lines ArgumentParser would re-wrap:\n\(offenders.joined(separator: "\n"))")
        // And what the reader sees keeps an example whole: the serve example's curl line.
        let serve = try NMTProcess.run(["serve", "--help"])
        #expect(serve.stdout.split(separator: "\n").contains { $0.contains("curl") && $0.contains("localhost:8080/translate") }, "\(serve.stdout)")
    }
}
