import Application
import ArgumentParser
import Decoding

struct ShortlistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shortlist",
        abstract: "Lexical shortlists: decode over a few hundred likely target tokens.",
        discussion: "Decoding with a shortlist scores those tokens instead of the whole vocabulary.",
        subcommands: [ShortlistLearnCommand.self]
    )
}

struct ShortlistLearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Learn a run's shortlist from its training pairs, stored with the run.",
        discussion: """
        For each source token, the --best target tokens that co-occur with it most
        specifically (Dice coefficient over the training pairs), plus the --frequent
        most frequent target tokens for every sentence.
        `nmt translate --run NAME --shortlist` (and eval, serve) then score only the
        union of a batch's candidates: faster, an approximation; compare BLEU with
        `nmt eval NAME --split test` and `nmt eval NAME --split test --shortlist`.
          nmt shortlist learn small-radam --db out/small.sqlite
        """)

    @Argument(help: "Run name.") var name: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Candidates kept per source token.") var best = 100
    @Option(help: "Most frequent target tokens always allowed.") var frequent = 100
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if best < 1 { throw ValidationError("--best must be at least 1, got \(best)") }
        if frequent < 0 { throw ValidationError("--frequent must be at least 0, got \(frequent)") }
    }

    func run() throws {
        let console = runtime.apply()
        let learned = try Shortlists.learn(database: database.db, run: name,
                                           settings: LexicalShortlist.Settings(best: best, frequent: frequent), console: console)
        print("run \(name): shortlist from \(learned.pairs) training pairs, \(learned.shortlist.frequentTokens.count) frequent tokens, "
              + "\(String(format: "%.1f", learned.meanCandidates)) candidates per source token on average (at most \(learned.maxCandidates)), "
              + "stored in \(database.db) (\(String(format: "%.1f", learned.seconds)) s)")
    }
}
