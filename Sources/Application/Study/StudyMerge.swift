import Foundation
import Store

/// `nmt study merge OUT IN…`: the runs of a study's shards (each run with `--shard I/N` in its
/// own database) in one database, so that `show` and `report` on it equal those of the study
/// run in one piece. Every input must hold the same plan (the same stored settings); a run
/// present in two inputs, or already in OUT, is refused. Nothing is written unless every
/// input checks out, and the runs are copied in one transaction per input.
public enum StudyMerge {
    public struct Outcome: Sendable {
        public var study: String
        public var runs: Int
        public var inputs: Int
    }

    public static func merge(output: String, inputs: [String], study requested: String?, console: Console) throws -> Outcome {
        guard !inputs.isEmpty else { throw ApplicationError("give at least one shard database to merge") }
        // The same file under two spellings (a symlink, "./") counts once: OutputPath.sameFile.
        for (k, input) in inputs.enumerated() {
            guard FileManager.default.fileExists(atPath: input) else { throw ApplicationError("\(input): no such database") }
            if OutputPath.sameFile(input, output) { throw ApplicationError("\(input) is the output database too: merge into a new file") }
            if inputs[..<k].contains(where: { OutputPath.sameFile($0, input) }) { throw ApplicationError("\(input) is named twice") }
        }
        // Read every input first: one plan, disjoint runs.
        var plan: (name: String, json: String, settings: StudySettings)?
        var runsByInput: [[String]] = []
        var owner: [String: String] = [:]
        var commands: [String] = []
        for input in inputs {
            let store = try RunStore(path: input)
            let names = try store.studyNames()
            let name: String
            if let requested {
                guard names.contains(requested) else { throw ApplicationError("\(input) has no study '\(requested)' (it has \(names.joined(separator: ", ")))") }
                name = requested
            } else {
                guard names.count == 1 else {
                    throw ApplicationError("\(input) has \(names.isEmpty ? "no study" : "studies \(names.joined(separator: ", "))"); name the one to merge with --study")
                }
                name = names[0]
            }
            let record = try store.study(named: name)!
            let settings = try StudySettings.decode(record.settingsJSON, study: name)
            if let plan {
                guard plan.name == name else { throw ApplicationError("\(input) holds study '\(name)', the first input '\(plan.name)'") }
                guard plan.settings == settings else {
                    let fields = StudySettings.differingFields(plan.json, try settings.json())
                    throw ApplicationError("\(input) holds another plan of study '\(name)' (\(fields.joined(separator: ", ")) differ): shards must share one plan")
                }
            } else {
                plan = (name, try settings.json(), settings)
            }
            commands += record.commands
            let members = try store.studyRuns(study: name)
            for m in members {
                if let other = owner[m.run] { throw ApplicationError("run \(m.run) is in both \(other) and \(input)") }
                owner[m.run] = input
                if m.status == .running { console.info("warning: \(m.run) in \(input) is still running or was interrupted; it is merged as it is") }
            }
            runsByInput.append(members.map(\.run))
        }
        guard let plan else { throw ApplicationError("no study to merge") }
        let store = try RunStore(path: output)
        let studyID: Int64
        if let existing = try store.study(named: plan.name) {
            let settings = try StudySettings.decode(existing.settingsJSON, study: plan.name)
            guard settings == plan.settings else { throw ApplicationError("\(output) holds another plan of study '\(plan.name)'") }
            let present = Set(try store.studyRuns(study: plan.name).map(\.run))
            if let run = owner.keys.sorted().first(where: present.contains) { throw ApplicationError("run \(run) is in \(output) already") }
            studyID = existing.id
        } else {
            studyID = try store.createStudy(name: plan.name, settingsJSON: plan.json, command: commands.first ?? "")
        }
        try store.appendStudyCommands(name: plan.name, commands)
        for (input, runs) in zip(inputs, runsByInput) where !runs.isEmpty {
            try store.importStudyRuns(runs, from: input, studyID: studyID)
        }
        return Outcome(study: plan.name, runs: owner.count, inputs: inputs.count)
    }
}
