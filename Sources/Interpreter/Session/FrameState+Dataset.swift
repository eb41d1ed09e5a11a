import Engine

/// The frame as tracking records it: an MLflow dataset input, and its columns' stored types.
extension FrameState {
    /// The current frame as an MLflow dataset input: named by its table and version, with a
    /// digest of the stored version's digest and the frame's steps, its schema and its size.
    func datasetInput(context: String) throws -> DatasetInput {
        let table = try currentTable()
        guard let frame else { throw EngineError(.invalidArgument, "no frame is open") }
        var source: [(String, JSON)]
        var sourceType = "plateshell"
        let name: String
        let baseDigest: String
        switch frame.origin {
        case .stored(let version):
            name = "\(version.name.displayName)@v\(version.version)"
            baseDigest = version.digest
            (sourceType, source) = Self.storedSource(version)
        case .part(let version, let part, let digest):
            name = "\(version.name.displayName)@v\(version.version)"
            baseDigest = digest
            (sourceType, source) = Self.storedSource(version)
            source += part.sourceFields
        case .query(let queryName, let sql):
            name = queryName
            baseDigest = MD5.hex(sql)
            source = [("uri", .string("plateshell:query/\(queryName)")), ("sql", .string(sql))]
        }
        source.append(("steps", .array(frame.steps.map { .string($0.summary) })))
        return Self.datasetInput(
            name: name, digest: MD5.hex(baseDigest + "|" + frame.lineage), sourceType: sourceType, source: source,
            columns: Self.schema(of: table), rowCount: table.rowCount, context: context)
    }

    /// A stored table version, as read whole, as an MLflow dataset input.
    func datasetInput(of version: TableVersion, table: Table, context: String) -> DatasetInput {
        datasetInput(
            of: version, digest: version.digest, columns: Self.schema(of: table), rowCount: table.rowCount,
            context: context)
    }

    /// A stored table version as an MLflow dataset input, from what was read of it as it
    /// streamed: the digest of the rows read, their columns and count.
    func datasetInput(of version: TableVersion, digest: String, columns: [ColumnSchema], rowCount: Int, context: String)
        -> DatasetInput
    {
        let (sourceType, source) = Self.storedSource(version)
        return Self.datasetInput(
            name: "\(version.name.displayName)@v\(version.version)", digest: digest, sourceType: sourceType,
            source: source, columns: columns, rowCount: rowCount, context: context)
    }

    private static func schema(of table: Table) -> [ColumnSchema] {
        table.columns.map { ColumnSchema(name: $0.name, type: $0.type) }
    }

    /// How MLflow names a stored version's source: a Spark table as MLflow's SparkDatasetSource
    /// does (`spark`, `table_name`), a workspace table as PlateShell's own; both with the version
    /// and the digest of its rows.
    private static func storedSource(_ version: TableVersion) -> (type: String, fields: [(String, JSON)]) {
        let common: [(String, JSON)] = [
            ("table", .string(version.name.displayName)), ("version", .integer(Int64(version.version))),
            ("table_digest", .string(version.digest)),
        ]
        if let sparkTable = version.sparkTable { return ("spark", [("table_name", .string(sparkTable))] + common) }
        return (
            "plateshell",
            [("uri", .string("plateshell:\(version.name.displayName)?version=\(version.version)"))] + common
        )
    }

    private static func datasetInput(
        name: String, digest: String, sourceType: String, source: [(String, JSON)], columns: [ColumnSchema],
        rowCount: Int, context: String
    ) -> DatasetInput {
        let colspec = JSON.array(
            columns.map { column in
                .object([
                    ("type", .string(column.type == .integer ? "long" : column.type == .real ? "double" : "string")),
                    ("name", .string(column.name)), ("required", .bool(true)),
                ])
            })
        return DatasetInput(
            name: name, digest: String(digest.prefix(8)), sourceType: sourceType,
            source: JSON.object(source).serialized(),
            schema: JSON.object([("mlflow_colspec", colspec)]).serialized(),
            profile: JSON.object([
                ("num_rows", .integer(Int64(rowCount))),
                ("num_elements", .integer(Int64(rowCount * columns.count))),
                ("num_columns", .integer(Int64(columns.count))),
            ]).serialized(),
            context: context)
    }

    /// The stored types of `features` in the current frame (for signatures).
    func featureTypes(_ features: [String]) throws -> [ColumnType] {
        let table = try currentTable()
        return try features.map { try table.column(named: $0).type }
    }
}
