import ArgumentParser

struct BPECommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bpe", abstract: "Learn, apply and invert BPE.")
    func run() throws { throw ValidationError("'nmt bpe' is not built yet") }
}
