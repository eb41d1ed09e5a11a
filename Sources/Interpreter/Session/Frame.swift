import Engine

/// The session's current table: where it came from, the preparation steps applied since, and its
/// rows (read from the store only when a command needs them).
struct Frame {
    /// Where the frame's rows came from.
    enum Origin: Equatable {
        /// A stored table version.
        case stored(TableVersion)
        /// A part of a stored table version (`use TABLE sample=… | limit=…`), with the digest of
        /// the rows read.
        case part(TableVersion, TablePart, digest: String)
        /// The result of an `sql` query, named with `into`.
        case query(name: String, sql: String)
    }

    var origin: Origin
    var steps: [FrameStep] = []
    /// The rows, once read; steps apply to them as they are added.
    var table: Table?
    /// For each row of `table`, its position in the origin (the stored version or query result):
    /// "plate N" names the original row, and `folds=FILE` matches frames by these.
    var sourceRows: [Int] = []

    /// How the frame reads in messages: `fsp.faults v1`, or the query's name, and the number of
    /// steps applied since.
    var name: String {
        let base =
            switch origin {
            case .stored(let version): "\(version.name.displayName) v\(version.version)"
            case .part(let version, let part, _): "\(version.name.displayName) v\(version.version), \(part)"
            case .query(let name, _): name
            }
        return steps.isEmpty ? base : "\(base) + \(steps.count) step\(steps.count == 1 ? "" : "s")"
    }

    /// The frame's lineage in one line: its origin and its steps.
    var lineage: String {
        let base =
            switch origin {
            case .stored(let version): "\(version.name.displayName) v\(version.version)"
            case .part(let version, let part, _): "\(part) of \(version.name.displayName) v\(version.version)"
            case .query(let name, let sql): "\(name) (sql \(sql))"
            }
        return ([base] + steps.map(\.summary)).joined(separator: " → ")
    }
}
