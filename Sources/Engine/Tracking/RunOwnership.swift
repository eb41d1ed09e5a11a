import Foundation
import MLCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Which RUNNING runs still have a live process recording them.
///
/// The process that starts a run holds an exclusive `flock` on a file named after the run
/// (`WORKSPACE/running/RUN_ID`) until it ends the run. The kernel drops the lock when the process
/// dies, however it dies (`kill -9` included), so a RUNNING run whose file another process can
/// lock, or that has no file, has no owner left. `flock` locks belong to an open file, so two
/// catalogs in one process see each other's runs as owned too. A pid could be reused by another
/// process; a lock cannot outlive its process.
enum RunOwnership {
    /// The descriptors holding this process's locks, by file.
    private static let held = Mutex<[String: Int32]>([:])

    /// Takes the lock of a run about to be recorded (before it is, so that no reader sees the
    /// run without its owner).
    ///
    /// - Throws: `EngineError.io` when the file cannot be created or locked.
    static func claim(_ path: String) throws {
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = String(cString: strerror(errno))
            if descriptor >= 0 { close(descriptor) }
            throw EngineError(
                .io, "cannot record a run: the file '\(path)' that marks it open cannot be locked (\(reason))",
                hint: "check that the workspace directory is writable")
        }
        held.withLock { $0[path] = descriptor }
    }

    /// Drops the lock of a run that has ended (after its end is recorded), and its file.
    static func release(_ path: String) {
        guard let descriptor = held.withLock({ $0.removeValue(forKey: path) }) else { return }
        unlink(path)
        close(descriptor)
    }

    /// Whether a live process holds the lock at `path`. A lock found free (its owner is gone) is
    /// removed.
    static func isHeld(_ path: String) -> Bool {
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return errno != ENOENT }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return true }
        unlink(path)
        return false
    }

    /// Whether a file in a run's folder is a write that never finished: Foundation's atomic
    /// writes (`.dat.nosync…`) and PlateShell's own (`….partial`), left by a killed process.
    static func isUnfinishedWrite(_ name: String) -> Bool {
        name.hasPrefix(".dat.nosync") || name.hasSuffix(".partial")
    }
}
