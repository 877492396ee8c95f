import ArgumentParser

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "data", abstract: "Build a built-in corpus.")
    func run() throws { throw ValidationError("'nmt data' is not built yet") }
}
