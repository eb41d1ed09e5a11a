import Foundation

extension TableStore {
    /// Loads a CSV file as a new version of `name`, streaming: the file is checked and its column
    /// types inferred in a first pass, then converted and stored in a second, so a bad file is
    /// rejected before anything is written and memory stays flat for any size.
    ///
    /// - Throws: `EngineError` naming file, line and column; earlier versions are untouched.
    @discardableResult
    public func load(
        csv path: String, as name: TableName, mode: WriteMode = .overwrite,
        options: CSVOptions = CSVOptions()
    ) throws -> TableVersion {
        let scan = try CSVReader.scan(path: path, options: options, cancellation: cancellation)
        let limit = try columnLimit()
        if scan.schema.count > limit {
            throw EngineError(
                .csv,
                "'\(path)' has \(scan.schema.count) columns; the table store holds at most \(limit) (SQLite's column limit)",
                hint:
                    "keep the columns you need before loading (for example cut -d, -f1-\(limit) FILE), or split the file"
            )
        }
        let source = URL(fileURLWithPath: path).standardizedFileURL.path
        return try write(name, schema: scan.schema, mode: mode, source: source, operation: "load") { writer in
            try CSVReader.read(scan, options: options, into: &writer, cancellation: cancellation)
        }
    }
}
