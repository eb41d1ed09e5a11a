import Foundation
import MLCore

extension TableStore {
    /// Loads a CSV file as a new version of `name`, streaming: the file is checked and its column
    /// types inferred in a first pass, then converted and stored in a second, so a bad file is
    /// rejected before anything is written and memory stays flat for any size.
    ///
    /// `path` may be `-` (standard input), a pipe, a FIFO or a `/proc` file: `CSVSource` copies
    /// such a stream to a temporary file first.
    ///
    /// - Throws: `EngineError` naming file, line and column; earlier versions are untouched.
    @discardableResult
    public func load(
        csv path: String, as name: TableName, mode: WriteMode = .overwrite,
        options: CSVOptions = CSVOptions()
    ) throws -> TableVersion {
        try CSVSource.withRegularFile(path, cancellation: cancellation) { file in
            let scan = try CSVReader.scan(path: file, options: options, cancellation: cancellation)
            let limit = try columnLimit()
            if scan.schema.count > limit {
                throw EngineError(
                    .csv,
                    "'\(file)' has \(scan.schema.count) columns; the table store holds at most \(limit) (SQLite's column limit)",
                    hint:
                        "keep the columns you need before loading (for example cut -d, -f1-\(limit) FILE), or split the file"
                )
            }
            let source = CSVSource.recordedSource(path)
            return try write(name, schema: scan.schema, mode: mode, source: source, operation: "load") { writer in
                try CSVReader.read(scan, options: options, into: &writer, cancellation: cancellation)
            }
        }
    }
}
