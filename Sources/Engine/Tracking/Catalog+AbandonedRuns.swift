import Foundation
import GRDB
import MLCore

extension Catalog {
    /// Marks KILLED, as MLflow does (status KILLED, end time now), every RUNNING run whose process
    /// is gone, removes the unfinished writes it left in its folder, and queues its end for the
    /// tracking servers that know it. Returns the ids of the runs it marked.
    ///
    /// A run that its owner ends meanwhile stays as its owner recorded it: the update only
    /// touches runs still RUNNING, and an owner commits the end before it lets go of the lock.
    func markAbandonedRunsKilled() throws -> [String] {
        let running = try read { db in try String.fetchAll(db, sql: "SELECT run_id FROM runs WHERE status = 'RUNNING'")
        }
        let abandoned = running.filter { !RunOwnership.isHeld(layout.ownershipFile(of: $0)) }
        guard !abandoned.isEmpty else { return [] }
        let time = now()
        let killed = try write { db in
            try abandoned.filter { runId in
                try db.execute(
                    sql: "UPDATE runs SET status = ?, end_time = ? WHERE run_id = ? AND status = 'RUNNING'",
                    arguments: [RunStatus.killed.rawValue, time, runId])
                guard db.changesCount > 0 else { return false }
                let servers = try String.fetchAll(
                    db,
                    sql:
                        "SELECT server FROM remote_runs WHERE run_id = ? UNION SELECT server FROM outbox WHERE run_id = ?",
                    arguments: [runId, runId])
                for server in servers {
                    try OutboxEntry(server: server, runId: runId, item: .endRun(status: .killed, endTime: time))
                        .insert(db, at: time)
                }
                return true
            }
        }
        for runId in killed { removeUnfinishedWrites(of: runId) }
        return killed
    }

    /// Removes the temporary files a killed process left in a run's folder.
    private func removeUnfinishedWrites(of runId: String) {
        let folder = runDirectory(runId)
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return }
        while let relative = enumerator.nextObject() as? String {
            if RunOwnership.isUnfinishedWrite((relative as NSString).lastPathComponent) {
                try? FileManager.default.removeItem(atPath: folder + "/" + relative)
            }
        }
    }
}
