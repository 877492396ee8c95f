/// The long flags (`--name` or `--name=value`) of a command line, for commands whose meaning
/// depends on which were given: a resumed run takes only its limits, and `study run` with only
/// run flags trains the stored plan.
enum CommandLineFlags {
    /// The first flag of `arguments` (after the program name) that is not in `allowed`.
    static func first(in arguments: [String], notIn allowed: Set<String>) -> String? {
        arguments.dropFirst().lazy.filter { $0.hasPrefix("--") }.map { String($0.split(separator: "=", maxSplits: 1)[0]) }
            .first { !allowed.contains($0) }
    }
}
