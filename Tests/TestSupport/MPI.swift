import Foundation

/// Open MPI's launcher for the data-parallel tests: `make deps` installs it, so CI has it;
/// tests that need it are skipped where it is absent.
public enum MPI {
    /// mpirun on the PATH, if there is one.
    public static var launcher: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    public static var available: Bool { launcher != nil }

    static func mpirun() throws -> URL {
        guard let launcher else { throw TestSupportError("mpirun is not installed (make deps installs openmpi-bin)") }
        return launcher
    }

    /// More ranks than cores are allowed (the test machine has 2), and ranks are not pinned
    /// to cores, so two jobs' ranks never fight over the same core.
    static func launcherArguments(ranks: Int) -> [String] {
        ["-np", String(ranks), "--oversubscribe", "--bind-to", "none"]
    }

    /// CI runs as root, which mpirun refuses unless told that is meant.
    static let environment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]

    /// The pids of the ranks of the job that `mpirun` (pid `launcher`) started, by rank
    /// (read from each child's OMPI_COMM_WORLD_RANK).
    public static func rankProcesses(of launcher: Int32) -> [Int: Int32] {
        var ranks: [Int: Int32] = [:]
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return ranks }
        for entry in entries {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == launcher,
                  let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            for variable in environ.split(separator: 0) {
                let text = String(decoding: variable, as: UTF8.self)
                if text.hasPrefix("OMPI_COMM_WORLD_RANK="), let rank = Int(text.dropFirst("OMPI_COMM_WORLD_RANK=".count)) { ranks[rank] = pid }
            }
        }
        return ranks
    }
}
