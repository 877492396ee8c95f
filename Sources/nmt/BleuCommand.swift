import ArgumentParser

struct BleuCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bleu", abstract: "Score translations exactly as sacreBLEU does.")
    func run() throws { throw ValidationError("'nmt bleu' is not built yet") }
}
