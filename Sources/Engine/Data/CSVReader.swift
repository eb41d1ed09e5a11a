/// How to read a CSV file.
public struct CSVOptions: Sendable, Equatable {
    /// The field separator (one ASCII byte).
    public var separator: UInt8 = UInt8(ascii: ",")
    /// Whether the first line names the columns; without it they are `column_1`, `column_2`, ...
    public var hasHeader = true
    /// Columns to keep as text even when every cell is a number.
    public var textColumns: Set<String> = []
    /// Cell values read as missing, besides the empty cell.
    public var missingMarkers: Set<String> = []

    public init() {}
}

/// What a first pass over a CSV file found: its columns with their inferred types, and its rows.
public struct CSVScan: Sendable, Equatable {
    public let path: String
    public let schema: [ColumnSchema]
    public let rowCount: Int
}

/// Reads CSV files in two streaming passes: `scan` checks the structure and infers each column's
/// type without keeping rows; `read` converts the cells and hands them to a `RowSink`.
///
/// Two passes mean a bad file is rejected before anything is written, and memory stays flat for
/// any file size. Every error names the file, the line, and the column.
///
/// For example:
/// ```swift
/// let scan = try CSVReader.scan(path: "data/faults.csv")
/// var builder = TableBuilder(schema: scan.schema)
/// try CSVReader.read(scan, into: &builder)
/// let table = try builder.build()
/// ```
public enum CSVReader {
    /// How many offending cells an error lists.
    static let sampleLimit = 5

    /// Checks the file's structure and infers the type of each column.
    ///
    /// A column is integer when every present cell is an integer, real when every present cell is
    /// a number, and text otherwise. A column that is mostly numbers with a few text cells (at most
    /// one in ten) is taken as a data error, not as text: the error lists the first few such cells.
    ///
    /// - Throws: `EngineError` (`.io` or `.csv`) naming file, line and column.
    public static func scan(path: String, options: CSVOptions = CSVOptions(),
                            cancellation: Cancellation? = nil) throws -> CSVScan {
        let tokenizer = try CSVTokenizer(path: path, separator: options.separator)
        var names: [String] = []
        var stats: [ColumnStats] = []
        var rows = 0
        let markers = markerBytes(options.missingMarkers)
        try tokenizer.forEachRecord { record in
            if names.isEmpty {
                names = try headerNames(record, path: path, options: options)
                stats = Array(repeating: ColumnStats(), count: names.count)
                if options.hasHeader { return }
            }
            guard record.count == names.count else {
                throw EngineError(.csv, "\(path):\(record.line): this row has \(record.count) fields; the header has \(names.count)",
                                  hint: "a field holding the separator must be quoted; every row needs one field per column")
            }
            rows += 1
            if rows % 4096 == 0 { try cancellation?.check() }
            for index in 0..<names.count {
                try record.withField(index) { bytes in
                    if isMissing(bytes, markers: markers) { stats[index].missing += 1; return }
                    switch NumberParsing.classify(bytes) {
                    case .integer: stats[index].integers += 1
                    case .real: stats[index].reals += 1
                    case .notNumber:
                        guard let text = String(validating: bytes, as: UTF8.self) else {
                            throw EngineError(.csv, "\(path):\(record.line): column \(index + 1) ('\(names[index])') has bytes that are not UTF-8",
                                              hint: "convert the file to UTF-8, for example: iconv -f latin1 -t utf-8 in.csv > out.csv")
                        }
                        stats[index].texts += 1
                        if stats[index].samples.count < sampleLimit { stats[index].samples.append((record.line, text)) }
                    }
                }
            }
        }
        if names.isEmpty {
            throw EngineError(.csv, "'\(path)' is empty", hint: "load takes a CSV file whose first line names the columns")
        }
        if rows == 0 {
            throw EngineError(.csv, "'\(path)' has a header but no data rows", hint: "add rows below the header line")
        }
        let schema = try names.indices.map { index in
            ColumnSchema(name: names[index],
                         type: try inferType(stats[index], name: names[index], column: index + 1, path: path, options: options))
        }
        return CSVScan(path: path, schema: schema, rowCount: rows)
    }

    /// Converts every row of a scanned file into `sink`.
    ///
    /// - Throws: `EngineError.csv` when the file changed since the scan; `EngineError.cancelled`;
    ///   whatever the sink throws.
    public static func read<Sink: RowSink>(_ scan: CSVScan, options: CSVOptions = CSVOptions(), into sink: inout Sink,
                                           cancellation: Cancellation? = nil) throws {
        let tokenizer = try CSVTokenizer(path: scan.path, separator: options.separator)
        let types = scan.schema.map(\.type)
        let markers = markerBytes(options.missingMarkers)
        var skipHeader = options.hasHeader
        var rows = 0
        let changed = EngineError(.csv, "'\(scan.path)' changed while it was being loaded", hint: "load it again")
        try tokenizer.forEachRecord { record in
            if skipHeader { skipHeader = false; return }
            guard record.count == types.count else { throw changed }
            rows += 1
            if rows % 4096 == 0 { try cancellation?.check() }
            for index in 0..<types.count {
                try record.withField(index) { bytes in
                    if isMissing(bytes, markers: markers) { sink.setMissing(column: index); return }
                    switch types[index] {
                    case .integer:
                        guard let value = NumberParsing.parseInteger(bytes) else { throw changed }
                        sink.setInteger(value, column: index)
                    case .real:
                        guard NumberParsing.classify(bytes) != .notNumber else { throw changed }
                        sink.setReal(NumberParsing.parseDouble(bytes), column: index)
                    case .text:
                        sink.setText(bytes, column: index)
                    }
                }
            }
            try sink.endRow()
        }
        if rows != scan.rowCount { throw changed }
    }

    /// Reads a whole file into memory (scan, then read).
    public static func readTable(path: String, options: CSVOptions = CSVOptions()) throws -> Table {
        let scan = try scan(path: path, options: options)
        var builder = TableBuilder(schema: scan.schema)
        try read(scan, options: options, into: &builder)
        return try builder.build()
    }

    // MARK: - Header and types

    private struct ColumnStats {
        var missing = 0, integers = 0, reals = 0, texts = 0
        var samples: [(line: Int, text: String)] = []
    }

    private static func headerNames(_ record: CSVTokenizer.Record, path: String,
                                    options: CSVOptions) throws -> [String] {
        guard options.hasHeader else { return (1...record.count).map { "column_\($0)" } }
        var names: [String] = []
        var seen: [String: Int] = [:]
        for index in 0..<record.count {
            guard let raw = record.string(index) else {
                throw EngineError(.csv, "\(path):1: the name of column \(index + 1) is not UTF-8",
                                  hint: "convert the file to UTF-8, for example with iconv")
            }
            let name = raw.trimmingSpaces
            if name.isEmpty {
                throw EngineError(.csv, "\(path):1: column \(index + 1) has an empty name",
                                  hint: "give every column a name in the header line, or load with header=false")
            }
            if name.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) {
                throw EngineError(.csv, "\(path):1: the name of column \(index + 1) holds a control character",
                                  hint: "column names must be printable text")
            }
            if let first = seen[name.lowercased()] {
                throw EngineError(.csv, "\(path):1: column \(index + 1) repeats the name '\(name)' of column \(first + 1)",
                                  hint: "column names must be unique (ignoring case)")
            }
            seen[name.lowercased()] = index
            names.append(name)
        }
        return names
    }

    private static func inferType(_ stats: ColumnStats, name: String, column: Int, path: String,
                                  options: CSVOptions) throws -> ColumnType {
        if options.textColumns.contains(name) { return .text }
        if stats.texts == 0 { return stats.reals == 0 && stats.integers > 0 ? .integer : .real }
        let numbers = stats.integers + stats.reals
        if numbers > 0 && stats.texts * 10 <= numbers + stats.texts {
            throw EngineError(.csv,
                              "\(path): column \(column) ('\(name)') holds numbers in \(numbers) rows but text in \(stats.texts)",
                              hint: "fix those cells or leave them empty (empty cells load as missing); na=VALUE reads a marker as missing; text=\(name) loads the column as text",
                              notes: stats.samples.map { "line \($0.line): '\($0.text)'" })
        }
        return .text
    }

    private static func markerBytes(_ markers: Set<String>) -> [[UInt8]] {
        markers.map { Array($0.utf8) }
    }

    @inline(__always)
    private static func isMissing(_ bytes: UnsafeBufferPointer<UInt8>, markers: [[UInt8]]) -> Bool {
        if bytes.isEmpty { return true }
        for marker in markers where marker.count == bytes.count && marker.elementsEqual(bytes) { return true }
        return false
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
