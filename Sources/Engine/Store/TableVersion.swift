import Foundation
import MLCore

/// One stored version of a table: what `history TABLE` lists and `use TABLE version=N` opens.
public struct TableVersion: Sendable, Equatable, Codable {
    public let name: TableName
    /// 1 for the first write, then one more for each load, save or append.
    public let version: Int
    public let rowCount: Int
    /// SHA-256 of the content (see `TableDigest`), `sha256:` and 64 hex digits.
    public let digest: String
    public let schema: [ColumnSchema]
    /// Where the rows came from: a file path, or the frame and steps that made them.
    public let source: String
    /// `load`, `append`, `save` ...
    public let operation: String
    /// When the version was committed, ISO 8601 in UTC.
    public let createdAt: String
    /// The Spark table (`database.table`) holding the version, when the session's tables live on
    /// Spark; nil in the workspace store.
    public var sparkTable: String?

    public init(
        name: TableName, version: Int, rowCount: Int, digest: String, schema: [ColumnSchema], source: String,
        operation: String, createdAt: String, sparkTable: String? = nil
    ) {
        self.name = name
        self.version = version
        self.rowCount = rowCount
        self.digest = digest
        self.schema = schema
        self.source = source
        self.operation = operation
        self.createdAt = createdAt
        self.sparkTable = sparkTable
    }

    /// The SQLite table holding this version's rows (in the schema's database).
    var physicalName: String { Self.physicalName(of: name, version: version) }

    /// The SQLite table holding version `version` of `name`.
    static func physicalName(of name: TableName, version: Int) -> String { "_v\(version)_\(name.table)" }

    /// The operation of an inference log's one version (`TableStore.openInferenceLog`).
    public static let logOperation = "log"

    /// Whether this is an inference log: one version that a scoring server appends to in place,
    /// whose row count and digest grow with it (a read takes the first `rowCount` rows; in the
    /// workspace store the digest is brought up to date when the version is next looked up:
    /// `TableStore.versions(of:)`).
    public var isLog: Bool { operation == Self.logOperation }

    /// This version holding `rows` rows, with no digest: a Spark log's record as it grows (Spark
    /// keeps no row order, so a reader hashes the rows it reads).
    public func growing(to rows: Int) -> TableVersion {
        TableVersion(
            name: name, version: version, rowCount: rows, digest: "", schema: schema, source: source,
            operation: operation, createdAt: createdAt, sparkTable: sparkTable)
    }
}

extension TableName: Codable {
    public init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// How a write relates to the versions already stored.
public enum WriteMode: String, Sendable, CaseIterable {
    /// The new version holds only the new rows.
    case overwrite
    /// The new version holds the previous version's rows, then the new rows.
    case append
}
