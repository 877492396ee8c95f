// OpenBLAS runtime: which kernel it chose, how many threads it uses, and the start-up fix
// for Debian's OpenBLAS 0.3.21, which does not know this CPU family and falls back to the
// generic Prescott (SSE3) kernel, about 5× slower than SkylakeX (shared/TOOLCHAIN.md).
// The kernel is picked when the library loads, so the only fix is to set
// OPENBLAS_CORETYPE and re-execute the process once, before any work is done.
import CBLAS
import Parallelism
#if canImport(Glibc)
import Glibc
#endif

public enum BLASRuntime {
    /// The kernel OpenBLAS is running, e.g. "SkylakeX" or "Prescott".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name).trimmingTrailingSpaces()
    }

    /// OpenBLAS's own thread count: 1, since `Parallel` splits large GEMMs itself.
    public static var threads: Int { _ = GEMM.singleThreadedBLAS; return Int(openblas_get_num_threads()) }

    /// One line for `nmt --version` and run records: the threads are those of our loops and
    /// split GEMMs (`Parallel.threadCap`); each OpenBLAS call is single-threaded.
    public static var description: String {
        let n = Parallel.threadCap
        return "OpenBLAS core \(coreName), \(n) thread\(n == 1 ? "" : "s")"
    }

    /// Kernels that mean "OpenBLAS did not recognise this CPU".
    static let genericCores: Set<String> = ["prescott", "core2", "nehalem", "katmai", "coppermine", "northwood", "generic", "unknown"]

    /// The core type this CPU supports, judged from /proc/cpuinfo flags, or nil if unknown.
    public static func preferredCoreType(cpuFlags: Set<String>) -> String? {
        if cpuFlags.contains("avx512f") && cpuFlags.contains("avx512bw") && cpuFlags.contains("avx512vl") { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The decision, separated from its side effects so it can be tested.
    /// Returns the core type to set, or nil to leave the process as it is.
    public static func coreTypeToForce(userSetting: String?, currentCore: String, cpuFlags: Set<String>) -> String? {
        if let userSetting, !userSetting.isEmpty { return nil }  // the user's choice wins
        guard genericCores.contains(currentCore.lowercased()) else { return nil }
        return preferredCoreType(cpuFlags: cpuFlags)
    }

    /// If OpenBLAS runs a generic kernel on a CPU that has a better one, set OPENBLAS_CORETYPE
    /// and re-exec this program with the same arguments. Returns only if no re-exec happened.
    /// `NMT_BLAS_REEXEC` guards against a loop should the variable have no effect.
    public static func ensureOptimizedKernel(arguments: [String]) {
        guard getenv("NMT_BLAS_REEXEC") == nil else { return }
        let user = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        guard let core = coreTypeToForce(userSetting: user, currentCore: coreName, cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("NMT_BLAS_REEXEC", "1", 1)
        fflush(stdout)
        fflush(stderr)
        var cArgs: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        cArgs.append(nil)
        execv("/proc/self/exe", &cArgs)
        // execv returned: keep running with the slow kernel rather than fail.
        unsetenv("NMT_BLAS_REEXEC")
    }

    /// The `flags` line of /proc/cpuinfo (empty when unreadable, e.g. not Linux).
    public static func cpuFlags() -> Set<String> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            let text = String(cString: line!)
            if text.hasPrefix("flags") {
                let parts = text.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { return [] }
                return Set(parts[1].split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init))
            }
        }
        return []
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\n" { s = s.dropLast() }
        return String(s)
    }
}
