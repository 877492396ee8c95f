#if canImport(Glibc)
import Glibc
#endif
import Training

enum StopSignals {
    /// SIGINT and SIGTERM ask the trainer to finish the update in flight, checkpoint and mark
    /// the run interrupted.
    static func install() {
        signal(SIGINT) { _ in Trainer.stopRequested = true }
        signal(SIGTERM) { _ in Trainer.stopRequested = true }
        // A parent may have spawned us from a thread that blocks signals (thread pools do, and
        // posix_spawn passes the mask on): unblock them, or SIGTERM would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
