import Foundation
import GRDB
import MLCore

extension Database {
    /// Puts one database file of this connection (`schema`: `main` or an attached schema) in
    /// SQLite's write-ahead-log mode, waiting up to `timeout` for other connections to let go.
    ///
    /// WAL is a property of the file: once a connection has converted it, the others find it
    /// converted and take no lock. The conversion itself needs the file to itself, and SQLite runs
    /// no busy handler for it, so two shells creating a workspace at once would see "database is
    /// locked" however long the busy timeout; while another connection holds the file this tries
    /// again (after 1 ms, doubling up to 50 ms) until the mode is WAL or `timeout` has passed.
    func enableWriteAheadLog(schema: String = "main", timeout: Duration) throws {
        let pragma = "PRAGMA \(SQLIdentifier.quote(schema)).journal_mode"
        let deadline = ContinuousClock.now + timeout
        var pauseMilliseconds = 1
        while try String.fetchOne(self, sql: pragma) != "wal" {
            do {
                try execute(sql: pragma + " = WAL")
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && ContinuousClock.now < deadline
            {
                usleep(UInt32(pauseMilliseconds * 1000))
                pauseMilliseconds = min(pauseMilliseconds * 2, 50)
            }
        }
    }
}
