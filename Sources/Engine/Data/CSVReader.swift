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
/// where its data rows can be split for reading in parallel.
public struct CSVScan: Sendable, Equatable {
    public let path: String
    public let schema: [ColumnSchema]
    public let rowCount: Int
    /// Consecutive byte ranges of whole data records, with the line each starts on and its rows.
    let chunks: [Chunk]

    struct Chunk: Sendable, Equatable {
        let range: Range<Int>
        let firstLine: Int
        let rows: Int
    }
}

/// Reads CSV files in two streaming passes: `scan` checks the structure and infers each column's
/// type without keeping rows; `read` converts the cells and hands them to a `RowSink`.
///
/// Two passes mean a bad file is rejected before anything is written, and memory stays flat for
/// any file size. Every error names the file, the line, and the column. Large files are scanned
/// (and, into memory, read) on every core: the data is split at line breaks, each part is
/// scanned on its own, and the split is kept only if each part ended exactly where the next
/// began (a line break inside a quoted field makes it fall back to one sequential scan).
///
/// For example:
/// ```swift
/// let table = try CSVReader.readTable(path: "data/faults.csv")
/// ```
public enum CSVReader {
    /// How many offending cells an error lists.
    static let sampleLimit = 5
    /// Files with less data than this are scanned on one core.
    static let parallelThreshold = 4 << 20

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
        let tokenizer = try CSVTokenizer(path: path, separator: options.separator)
        guard let header = try tokenizer.firstRecord({ try headerNames($0, path: path, options: options) }) else {
            throw EngineError(
                .csv, "'\(path)' is empty", hint: "load takes a CSV file whose first line names the columns")
        }
        let names = header.value
        let dataStart = options.hasHeader ? header.offset : 0
        let dataLine = options.hasHeader ? header.line : 1
        let size = fileSize(path)
        let boundaries =
            size - dataStart >= splitAbove && parts > 1
            ? splitPoints(path: path, from: dataStart, to: size, parts: min(parts, 8)) : [dataStart, size]
        var parts = try scanParts(
            path: path, boundaries: boundaries, firstLine: dataLine, names: names,
            options: options, cancellation: cancellation)
        if parts == nil {
            parts = try scanParts(
                path: path, boundaries: [dataStart, size], firstLine: dataLine, names: names,
                options: options, cancellation: cancellation)
        }
        let scanned = parts!
        let rows = scanned.reduce(0) { $0 + $1.rows }
        if rows == 0 {
            throw EngineError(.csv, "'\(path)' has a header but no data rows", hint: "add rows below the header line")
        }
        let schema = try names.indices.map { index in
            var total = PartScan(columns: names.count)
            for part in scanned {
                total.integers[index] += part.integers[index]
                total.reals[index] += part.reals[index]
                total.texts[index] += part.texts[index]
                total.samples[index] += part.samples[index]
            }
            return ColumnSchema(
                name: names[index],
                type: try inferType(
                    integers: total.integers[index], reals: total.reals[index], texts: total.texts[index],
                    samples: Array(total.samples[index].prefix(sampleLimit)), name: names[index], column: index + 1,
                    path: path, options: options))
        }
        return CSVScan(
            path: path, schema: schema, rowCount: rows,
            chunks: scanned.map {
                CSVScan.Chunk(range: $0.range, firstLine: $0.firstLine, rows: $0.rows)
            })
    }

    /// Converts every row of a scanned file into `sink`, in file order.
    ///
    /// - Throws: `EngineError.csv` when the file changed since the scan; `EngineError.cancelled`;
    ///   whatever the sink throws.
    public static func read<Sink: RowSink>(
        _ scan: CSVScan, options: CSVOptions = CSVOptions(), into sink: inout Sink,
        cancellation: Cancellation? = nil
    ) throws {
        let whole = scan.chunks.first!.range.lowerBound..<scan.chunks.last!.range.upperBound
        let rows = try readPart(
            scan, range: whole, firstLine: scan.chunks[0].firstLine, options: options,
            into: &sink, cancellation: cancellation)
        if rows != scan.rowCount { throw changed(scan.path) }
    }

    /// Reads a whole file into memory (scan, then read), using every core for large files.
    public static func readTable(
        path: String, options: CSVOptions = CSVOptions(),
        parts: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws -> Table {
        try readTable(path: path, options: options, parts: parts, splitAbove: parallelThreshold)
    }

    /// `readTable`, splitting files with more than `splitAbove` bytes of data.
    static func readTable(path: String, options: CSVOptions, parts: Int, splitAbove: Int) throws -> Table {
        let scan = try scan(path: path, options: options, cancellation: nil, parts: parts, splitAbove: splitAbove)
        var builders = TableBuilder.partitioned(schema: scan.schema, rows: scan.chunks.map(\.rows))
        var failures = [Error?](repeating: nil, count: scan.chunks.count)
        builders.withDisjointSlots { builders in
            failures.withDisjointSlots { failures in
                DispatchQueue.concurrentPerform(iterations: scan.chunks.count) { index in
                    let chunk = scan.chunks[index]
                    do {
                        var builder = builders[index]
                        let rows = try readPart(
                            scan, range: chunk.range, firstLine: chunk.firstLine, options: options,
                            into: &builder, rowLimit: chunk.rows)
                        if rows != chunk.rows { throw changed(scan.path) }
                        builders[index] = builder
                    } catch {
                        failures[index] = error
                    }
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first {
            TableBuilder.deallocate(builders)
            throw failure
        }
        return try TableBuilder.assemble(builders)
    }

    // MARK: - Parts

    /// What scanning one part of the file found.
    private struct PartScan {
        var range: Range<Int> = 0..<0
        var firstLine = 1
        var rows = 0
        var integers: [Int], reals: [Int], texts: [Int]
        var samples: [[(line: Int, text: String)]]
        var failure: Error?

        init(columns: Int) {
            integers = Array(repeating: 0, count: columns)
            reals = integers
            texts = integers
            samples = Array(repeating: [], count: columns)
        }
    }

    /// Scans the parts between consecutive `boundaries` concurrently. Nil when a part did not end
    /// exactly where the next began (the split fell inside a quoted field): scan again in one part.
    private static func scanParts(
        path: String, boundaries: [Int], firstLine: Int, names: [String], options: CSVOptions,
        cancellation: Cancellation?
    ) throws -> [PartScan]? {
        let count = boundaries.count - 1
        let lineStarts =
            count == 1 ? [firstLine] : try lineNumbers(path: path, boundaries: boundaries, firstLine: firstLine)
        var results = [PartScan](repeating: PartScan(columns: 0), count: count)
        results.withDisjointSlots { results in
            DispatchQueue.concurrentPerform(iterations: count) { index in
                results[index] = scanPart(
                    path: path, range: boundaries[index]..<boundaries[index + 1], firstLine: lineStarts[index],
                    names: names, options: options, cancellation: cancellation)
            }
        }
        for (index, part) in results.enumerated() {
            if let failure = part.failure { throw failure }
            if index + 1 < count && part.range.upperBound != boundaries[index + 1] { return nil }
        }
        return results
    }

    private static func scanPart(
        path: String, range: Range<Int>, firstLine: Int, names: [String], options: CSVOptions,
        cancellation: Cancellation?
    ) -> PartScan {
        var part = PartScan(columns: names.count)
        part.firstLine = firstLine
        let counts = TypeCounts(columns: names.count)
        defer { counts.deallocate() }
        let markers = markerBytes(options.missingMarkers)
        do {
            let tokenizer = try CSVTokenizer(
                path: path, separator: options.separator, start: range.lowerBound,
                end: range.upperBound, firstLine: firstLine)
            try tokenizer.forEachRecord { record in
                guard record.count == names.count else {
                    throw EngineError(
                        .csv,
                        "\(path):\(record.line): this row has \(record.count) fields; the header has \(names.count)",
                        hint: "a field holding the separator must be quoted; every row needs one field per column")
                }
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
                            throw EngineError(
                                .csv,
                                "\(path):\(record.line): column \(index + 1) ('\(names[index])') has bytes that are not UTF-8",
                                hint:
                                    "convert the file to UTF-8, for example: iconv -f latin1 -t utf-8 in.csv > out.csv")
                        }
                        part.texts[index] += 1
                        if part.samples[index].count < sampleLimit { part.samples[index].append((record.line, text)) }
                    }
                }
            }
            part.range = range.lowerBound..<tokenizer.offsetAfterLastRecord
        } catch {
            part.failure = error
        }
        for index in names.indices {
            part.integers[index] = counts.integers[index]
            part.reals[index] = counts.reals[index]
        }
        return part
    }

    /// Converts the records in `range` into `sink` (at most `rowLimit` of them); returns how many
    /// rows it wrote.
    private static func readPart<Sink: RowSink>(
        _ scan: CSVScan, range: Range<Int>, firstLine: Int, options: CSVOptions,
        into sink: inout Sink, rowLimit: Int = .max,
        cancellation: Cancellation? = nil
    ) throws -> Int {
        let tokenizer = try CSVTokenizer(
            path: scan.path, separator: options.separator, start: range.lowerBound,
            end: range.upperBound, firstLine: firstLine)
        let types = scan.schema.map(\.type)
        let markers = markerBytes(options.missingMarkers)
        var rows = 0
        try tokenizer.forEachRecord { record in
            guard record.count == types.count, rows < rowLimit else { throw changed(scan.path) }
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

    private static func changed(_ path: String) -> EngineError {
        EngineError(.csv, "'\(path)' changed while it was being loaded", hint: "load it again")
    }

    /// Offsets that split `start..<end` into about `parts` pieces, each just after a line break.
    private static func splitPoints(path: String, from start: Int, to end: Int, parts: Int) -> [Int] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [start, end] }
        defer { try? handle.close() }
        var points = [start]
        for part in 1..<parts {
            let target = start + (end - start) * part / parts
            guard target > points.last!, (try? handle.seek(toOffset: UInt64(target))) != nil,
                let window = try? handle.read(upToCount: 1 << 16), let newline = window.firstIndex(of: 10)
            else { continue }
            let point = target + (newline - window.startIndex) + 1
            if point < end && point > points.last! { points.append(point) }
        }
        points.append(end)
        return points
    }

    /// The line number at each boundary but the last, counting line breaks in each part concurrently.
    private static func lineNumbers(path: String, boundaries: [Int], firstLine: Int) throws -> [Int] {
        let count = boundaries.count - 1
        var breaks = [Int](repeating: 0, count: count)
        breaks.withDisjointSlots { breaks in
            DispatchQueue.concurrentPerform(iterations: count - 1) { index in
                breaks[index] = countLineBreaks(path: path, range: boundaries[index]..<boundaries[index + 1])
            }
        }
        var lines = [firstLine]
        for index in 0..<(count - 1) { lines.append(lines[index] + breaks[index]) }
        return lines
    }

    private static func countLineBreaks(path: String, range: Range<Int>) -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(range.lowerBound))
        var remaining = range.count
        var total = 0
        while remaining > 0, let data = try? handle.read(upToCount: min(remaining, 1 << 20)), !data.isEmpty {
            data.withUnsafeBytes { bytes in
                var found = 0
                for byte in bytes.bindMemory(to: UInt8.self) where byte == 10 { found += 1 }
                total += found
            }
            remaining -= data.count
        }
        return total
    }

    /// The size of the file `path` names, following symbolic links (Foundation's attributes on
    /// Linux describe the link itself).
    private static func fileSize(_ path: String) -> Int {
        var status = stat()
        return stat(path, &status) == 0 ? Int(status.st_size) : 0
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

    private static func headerNames(
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

    private static func inferType(
        integers: Int, reals: Int, texts: Int, samples: [(line: Int, text: String)],
        name: String, column: Int, path: String, options: CSVOptions
    ) throws -> ColumnType {
        if options.textColumns.contains(name) { return .text }
        if texts == 0 { return reals == 0 && integers > 0 ? .integer : .real }
        let numbers = integers + reals
        if numbers > 0 && texts * 10 <= numbers + texts {
            throw EngineError(
                .csv,
                "\(path): column \(column) ('\(name)') holds numbers in \(numbers) rows but text in \(texts)",
                hint:
                    "fix those cells or leave them empty (empty cells load as missing); na=VALUE reads a marker as missing; text=\(name) loads the column as text",
                notes: samples.map { "line \($0.line): '\($0.text)'" })
        }
        return .text
    }

    private static func markerBytes(_ markers: Set<String>) -> [[UInt8]] {
        markers.map { Array($0.utf8) }
    }

    @inline(__always)
    private static func isMissing(_ bytes: UnsafeBufferPointer<UInt8>, markers: [[UInt8]]) -> Bool {
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
