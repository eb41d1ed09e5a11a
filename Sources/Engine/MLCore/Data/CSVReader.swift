import Foundation

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

/// What a first pass over a CSV file found: its columns with their inferred types, its rows, and
/// where its data records are.
public struct CSVScan: Sendable, Equatable {
    public let path: String
    public let schema: [ColumnSchema]
    public let rowCount: Int
    /// The byte range of the data records.
    let dataRange: Range<Int>
    /// The line the data records start on.
    let firstLine: Int
}

/// Reads CSV files: `scan` checks the structure and infers each column's type without keeping
/// rows, `read` then converts the cells and hands them to a `RowSink` (two streaming passes, so a
/// bad file is rejected before anything is written and memory stays flat for any file size);
/// `readTable` reads a file into memory in one pass, converting cells as it infers the types.
///
/// Every error names the file, the line, and the column. Large files are scanned (and, into
/// memory, read) on every core: the data is split at line breaks, each part is read on its own,
/// and the split is kept only if each part ended exactly where the next began (a line break
/// inside a quoted field makes it fall back to one sequential part).
///
/// For example:
/// ```swift
/// let table = try CSVReader.readTable(path: "data/faults.csv")
/// ```
public enum CSVReader {

    /// Checks the file's structure and infers the type of each column.
    ///
    /// A column is integer when every present cell is an integer, real when every present cell is
    /// a number, and text otherwise. A column that is mostly numbers with a few text cells (at most
    /// one in ten) is taken as a data error, not as text: the error lists the first few such cells.
    ///
    /// - Throws: `EngineError` (`.io` or `.csv`) naming file, line and column.
    public static func scan(
        path: String, options: CSVOptions = CSVOptions(), cancellation: Cancellation? = nil,
        parts: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws -> CSVScan {
        try scan(path: path, options: options, cancellation: cancellation, parts: parts, splitAbove: parallelThreshold)
    }

    /// `scan`, splitting files with more than `splitAbove` bytes of data (tests split small files).
    static func scan(
        path: String, options: CSVOptions, cancellation: Cancellation?, parts: Int,
        splitAbove: Int
    ) throws -> CSVScan {
        let layout = try Layout(path: path, options: options, parts: parts, splitAbove: splitAbove)
        let names = layout.names
        let scanned = try inParts(layout) { range, firstLine in
            try scanPart(
                path: path, range: range, firstLine: firstLine, names: names, options: options,
                cancellation: cancellation)
        }
        let rows = scanned.reduce(0) { $0 + $1.rows }
        return CSVScan(
            path: path,
            schema: try inferSchema(
                names: names, rows: rows, tallies: scanned.map(\.tallies), path: path, options: options),
            rowCount: rows, dataRange: layout.dataRange, firstLine: layout.firstLine)
    }

    /// Converts every row of a scanned file into `sink`, in file order.
    ///
    /// - Throws: `EngineError.csv` when the file changed since the scan; `EngineError.cancelled`;
    ///   whatever the sink throws.
    public static func read<Sink: RowSink>(
        _ scan: CSVScan, options: CSVOptions = CSVOptions(), into sink: inout Sink,
        cancellation: Cancellation? = nil
    ) throws {
        let rows = try readPart(
            scan, range: scan.dataRange, firstLine: scan.firstLine, options: options,
            into: &sink, cancellation: cancellation)
        if rows != scan.rowCount { throw changed(scan.path) }
    }

    // MARK: - Parts

    /// What scanning one part of the file found.
    private struct ScannedPart: LineNumbered {
        var rows = 0
        var tallies: [ColumnTally]

        mutating func shiftLines(by offset: Int) {
            for index in tallies.indices { tallies[index].shiftLines(by: offset) }
        }
    }

    private static func scanPart(
        path: String, range: Range<Int>, firstLine: Int, names: [String], options: CSVOptions,
        cancellation: Cancellation?
    ) throws -> PartOutcome<ScannedPart> {
        var part = ScannedPart(tallies: Array(repeating: ColumnTally(), count: names.count))
        let counts = TypeCounts(columns: names.count)
        defer { counts.deallocate() }
        let markers = markerBytes(options.missingMarkers)
        let tokenizer = try CSVTokenizer(
            path: path, separator: options.separator, start: range.lowerBound,
            end: range.upperBound, firstLine: firstLine)
        try tokenizer.forEachRecord { record in
            guard record.count == names.count else { throw raggedRow(record, path: path, columns: names.count) }
            part.rows += 1
            if part.rows % 4096 == 0 { try cancellation?.check() }
            for index in 0..<names.count {
                let bytes = record.field(index)
                if isMissing(bytes, markers: markers) { continue }
                switch NumberParsing.classify(bytes) {
                case .integer: counts.integers[index] += 1
                case .real: counts.reals[index] += 1
                case .notNumber:
                    guard let text = String(validating: bytes, as: UTF8.self) else {
                        throw notUTF8(record, column: index, names: names, path: path)
                    }
                    part.tallies[index].addText(text, line: record.line)
                }
            }
        }
        for index in names.indices {
            part.tallies[index].numbers = counts.integers[index] + counts.reals[index]
            part.tallies[index].anyReal = counts.reals[index] > 0
        }
        return PartOutcome(part: part, end: tokenizer.offsetAfterLastRecord, nextLine: tokenizer.lineAfterLastRecord)
    }

    /// Converts the records in `range` into `sink`; returns how many rows it wrote.
    private static func readPart<Sink: RowSink>(
        _ scan: CSVScan, range: Range<Int>, firstLine: Int, options: CSVOptions,
        into sink: inout Sink, cancellation: Cancellation?
    ) throws -> Int {
        let tokenizer = try CSVTokenizer(
            path: scan.path, separator: options.separator, start: range.lowerBound,
            end: range.upperBound, firstLine: firstLine)
        let types = scan.schema.map(\.type)
        let markers = markerBytes(options.missingMarkers)
        var rows = 0
        try tokenizer.forEachRecord { record in
            guard record.count == types.count else { throw changed(scan.path) }
            rows += 1
            if rows % 4096 == 0 { try cancellation?.check() }
            for index in 0..<types.count {
                let bytes = record.field(index)
                if isMissing(bytes, markers: markers) {
                    sink.setMissing(column: index)
                    continue
                }
                switch types[index] {
                case .integer:
                    guard let value = NumberParsing.parseInteger(bytes) else { throw changed(scan.path) }
                    sink.setInteger(value, column: index)
                case .real:
                    guard let value = NumberParsing.parseNumber(bytes) else { throw changed(scan.path) }
                    sink.setReal(value, column: index)
                case .text:
                    sink.setText(bytes, column: index)
                }
            }
            try sink.endRow()
        }
        return rows
    }

    static func raggedRow(_ record: CSVRecord, path: String, columns: Int) -> EngineError {
        EngineError(
            .csv, "\(path):\(record.line): this row has \(record.count) fields; the header has \(columns)",
            hint: "a field holding the separator must be quoted; every row needs one field per column")
    }

    static func notUTF8(_ record: CSVRecord, column: Int, names: [String], path: String) -> EngineError {
        EngineError(
            .csv, "\(path):\(record.line): column \(column + 1) ('\(names[column])') has bytes that are not UTF-8",
            hint: "convert the file to UTF-8, for example: iconv -f latin1 -t utf-8 in.csv > out.csv")
    }

    static func changed(_ path: String) -> EngineError {
        EngineError(.csv, "'\(path)' changed while it was being loaded", hint: "load it again")
    }

    // MARK: - Header and types

    /// Per-column counts of integer and real cells, in raw buffers: the scan's per-cell path.
    private struct TypeCounts {
        let integers: UnsafeMutablePointer<Int>
        let reals: UnsafeMutablePointer<Int>

        init(columns: Int) {
            integers = .allocate(capacity: max(columns, 1))
            reals = .allocate(capacity: max(columns, 1))
            integers.initialize(repeating: 0, count: max(columns, 1))
            reals.initialize(repeating: 0, count: max(columns, 1))
        }

        func deallocate() {
            integers.deallocate()
            reals.deallocate()
        }
    }

    static func headerNames(
        _ record: CSVRecord, path: String,
        options: CSVOptions
    ) throws -> [String] {
        guard options.hasHeader else { return (1...record.count).map { "column_\($0)" } }
        var names: [String] = []
        var seen: [String: Int] = [:]
        for index in 0..<record.count {
            guard let raw = record.string(index) else {
                throw EngineError(
                    .csv, "\(path):1: the name of column \(index + 1) is not UTF-8",
                    hint: "convert the file to UTF-8, for example with iconv")
            }
            let name = raw.trimmingSpaces
            if name.isEmpty {
                throw EngineError(
                    .csv, "\(path):1: column \(index + 1) has an empty name",
                    hint: "give every column a name in the header line, or load with header=false")
            }
            if name.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) {
                throw EngineError(
                    .csv, "\(path):1: the name of column \(index + 1) holds a control character",
                    hint: "column names must be printable text")
            }
            if let first = seen[name.lowercased()] {
                throw EngineError(
                    .csv, "\(path):1: column \(index + 1) repeats the name '\(name)' of column \(first + 1)",
                    hint: "column names must be unique (ignoring case)")
            }
            seen[name.lowercased()] = index
            names.append(name)
        }
        return names
    }

    /// Each column's type from the tallies of every part, in file order, by the rules `scan`
    /// states.
    static func inferSchema(
        names: [String], rows: Int, tallies: [[ColumnTally]], path: String, options: CSVOptions
    ) throws -> [ColumnSchema] {
        if rows == 0 {
            throw EngineError(.csv, "'\(path)' has a header but no data rows", hint: "add rows below the header line")
        }
        return try names.indices.map { index in
            var total = ColumnTally()
            for part in tallies { total.add(part[index]) }
            return ColumnSchema(
                name: names[index],
                type: try inferType(total, name: names[index], column: index + 1, path: path, options: options))
        }
    }

    private static func inferType(
        _ tally: ColumnTally, name: String, column: Int, path: String, options: CSVOptions
    ) throws -> ColumnType {
        if options.textColumns.contains(name) { return .text }
        if tally.texts == 0 { return !tally.anyReal && tally.numbers > 0 ? .integer : .real }
        if tally.numbers > 0 && tally.texts * 10 <= tally.numbers + tally.texts {
            throw EngineError(
                .csv,
                "\(path): column \(column) ('\(name)') holds numbers in \(tally.numbers) rows but text in \(tally.texts)",
                hint:
                    "fix those cells or leave them empty (empty cells load as missing); na=VALUE reads a marker as missing; text=\(name) loads the column as text",
                notes: tally.samples.map { "line \($0.line): '\($0.text)'" })
        }
        return .text
    }

    static func markerBytes(_ markers: Set<String>) -> [[UInt8]] {
        markers.map { Array($0.utf8) }
    }

    @inline(__always)
    static func isMissing(_ bytes: UnsafeBufferPointer<UInt8>, markers: [[UInt8]]) -> Bool {
        if bytes.isEmpty { return true }
        if markers.isEmpty { return false }
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
