import Engine
import Foundation

/// The versions PlateShell wrote of a Spark table, kept with the table in its properties
/// (`plateshell.versions`, JSON), so `history` works for every client of the cluster.
enum SparkVersionRecord {
    static let property = "plateshell.versions"
    /// How many versions the property keeps (the oldest go first).
    static let kept = 100

    private struct Entry: Codable {
        let version: Int
        let rows: Int
        let digest: String
        let columns: [ColumnSchema]
        let source: String
        let operation: String
        let created: String
    }

    static func encode(_ versions: [TableVersion]) throws -> String {
        let entries = versions.suffix(kept).map {
            Entry(
                version: $0.version, rows: $0.rowCount, digest: $0.digest, columns: $0.schema, source: $0.source,
                operation: $0.operation, created: $0.createdAt)
        }
        return String(decoding: try JSONEncoder().encode(entries), as: UTF8.self)
    }

    /// The recorded versions of `name`.
    ///
    /// - Throws: `EngineError.invalidData` when the property is not what PlateShell writes.
    static func decode(_ json: String, name: TableName) throws -> [TableVersion] {
        do {
            return try JSONDecoder().decode([Entry].self, from: Data(json.utf8)).map {
                TableVersion(
                    name: name, version: $0.version, rowCount: $0.rows, digest: $0.digest, schema: $0.columns,
                    source: $0.source, operation: $0.operation, createdAt: $0.created,
                    sparkTable: SparkTableNames.qualified(name))
            }
        } catch {
            throw EngineError(
                .invalidData, "the table property '\(property)' of \(name.displayName) is not PlateShell's record",
                hint: "unset it (ALTER TABLE … UNSET TBLPROPERTIES ('\(property)')) and write the table again")
        }
    }
}
