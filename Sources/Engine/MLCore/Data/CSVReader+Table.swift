import Foundation

extension CSVReader {
    /// Reads a whole file into memory in one pass, converting the cells as it infers the column
    /// types, using every core for large files. The types, values and errors are those of `scan`
    /// followed by `read`.
    ///
    /// `path` may be `-` (standard input), a pipe, a FIFO or a `/proc` file (see `CSVSource`).
    ///
    /// - Throws: `EngineError` (`.io` or `.csv`) naming file, line and column.
    public static func readTable(
        path: String, options: CSVOptions = CSVOptions(),
        parts: Int = ProcessInfo.processInfo.activeProcessorCount, cancellation: Cancellation? = nil
    ) throws -> Table {
        try CSVSource.withRegularFile(path, cancellation: cancellation) { file in
            try readTable(path: file, options: options, parts: parts, splitAbove: parallelThreshold)
        }
    }

    /// `readTable`, splitting files with more than `splitAbove` bytes of data.
    static func readTable(path: String, options: CSVOptions, parts: Int, splitAbove: Int) throws -> Table {
        let layout = try Layout(path: path, options: options, parts: parts, splitAbove: splitAbove)
        let names = layout.names
        let textColumns = names.map { options.textColumns.contains($0) }
        let loaded = try inParts(layout) { range, firstLine in
            try loadPart(
                path: path, range: range, firstLine: firstLine, names: names, textColumns: textColumns,
                options: options)
        }
        let schema = try inferSchema(
            names: names, rows: loaded.reduce(0) { $0 + $1.columns.rows }, tallies: loaded.map { $0.columns.tallies() },
            path: path, options: options)
        let numbersAsText = try loaded.map { try $0.numbersAsText(schema: schema, path: path, options: options) }
        var columns = [Column?](repeating: nil, count: schema.count)
        columns.withDisjointSlots { columns in
            DispatchQueue.concurrentPerform(iterations: schema.count) { index in
                columns[index] = assemble(
                    schema[index], column: index, parts: loaded.map(\.columns),
                    texts: numbersAsText.map { $0[index] })
            }
        }
        return try Table(columns: columns.map { $0! })
    }

    /// The cells of one part of the file, converted, and the part's byte range.
    private struct LoadedPart: Sendable, LineNumbered {
        let columns: PartColumns
        let range: Range<Int>

        func shiftLines(by offset: Int) { columns.shiftLines(by: offset) }

        /// Per column of text type, the cells this part held as numbers (or missing) before the
        /// column's first text cell, read again as text; empty for the other columns.
        ///
        /// - Throws: `EngineError.csv` when the file changed since it was read.
        func numbersAsText(schema: [ColumnSchema], path: String, options: CSVOptions) throws -> [[String]] {
            var texts = [[String]](repeating: [], count: schema.count)
            let wanted = schema.indices.filter { schema[$0].type == .text && columns.rowsBeforeText($0) > 0 }
            guard let longest = wanted.map(columns.rowsBeforeText).max() else { return texts }
            let markers = markerBytes(options.missingMarkers)
            let tokenizer = try CSVTokenizer(
                path: path, separator: options.separator, start: range.lowerBound, end: range.upperBound)
            var row = 0
            do {
                try tokenizer.forEachRecord { record in
                    guard record.count == columns.count else { throw changed(path) }
                    for column in wanted where row < columns.rowsBeforeText(column) {
                        let bytes = record.field(column)
                        texts[column].append(
                            isMissing(bytes, markers: markers) ? "" : String(decoding: bytes, as: UTF8.self))
                    }
                    row += 1
                    if row == longest { throw EnoughRows() }
                }
                throw changed(path)
            } catch is EnoughRows {}
            return texts
        }
    }

    /// Thrown to stop reading again once the rows wanted are read.
    private struct EnoughRows: Error {}

    private static func loadPart(
        path: String, range: Range<Int>, firstLine: Int, names: [String], textColumns: [Bool],
        options: CSVOptions
    ) throws -> PartOutcome<LoadedPart> {
        let count = names.count
        let columns = PartColumns(count: count, textColumns: textColumns, expectedRows: 4096)
        let markers = markerBytes(options.missingMarkers)
        let tokenizer = try CSVTokenizer(
            path: path, separator: options.separator, start: range.lowerBound,
            end: range.upperBound, firstLine: firstLine)
        try tokenizer.forEachRecord { record in
            guard record.count == count else { throw raggedRow(record, path: path, columns: count) }
            for column in 0..<count {
                let bytes = record.field(column)
                if isMissing(bytes, markers: markers) {
                    columns.takeMissing(column: column)
                } else if !columns.take(bytes, column: column, line: record.line) {
                    throw notUTF8(record, column: column, names: names, path: path)
                }
            }
            columns.endRow {
                let read = max(tokenizer.offsetAfterLastRecord - range.lowerBound, 1)
                return columns.rows * range.count / read * 9 / 8
            }
        }
        return PartOutcome(
            part: LoadedPart(columns: columns, range: range), end: tokenizer.offsetAfterLastRecord,
            nextLine: tokenizer.lineAfterLastRecord)
    }

    /// Column `index` of the table, joined from the parts; `texts` are each part's numbers read
    /// as text, which come before its text cells.
    private static func assemble(_ schema: ColumnSchema, column index: Int, parts: [PartColumns], texts: [[String]])
        -> Column
    {
        let rows = parts.reduce(0) { $0 + $1.rows }
        let storage: Column.Storage =
            switch schema.type {
            case .integer: .integer(joined(parts, rows: rows) { $0.copyIntegers(index, to: $1) })
            case .real: .real(joined(parts, rows: rows) { $0.copyReals(index, to: $1) })
            case .text: .text(parts.indices.flatMap { texts[$0] + parts[$0].texts[index] })
            }
        let anyMissing = parts.contains { $0.hasMissing(index) }
        let missing = anyMissing ? joined(parts, rows: rows) { $0.copyMissingFlags(index, to: $1) } : []
        return Column(name: schema.name, storage: storage, missing: missing)
    }

    /// An array of `rows` elements that `copy` writes part by part.
    private static func joined<Element>(
        _ parts: [PartColumns], rows: Int, _ copy: (PartColumns, UnsafeMutablePointer<Element>) -> Void
    ) -> [Element] {
        Array(unsafeUninitializedCapacity: rows) { buffer, initialized in
            MemoryPages.prefault(
                UnsafeMutableRawPointer(buffer.baseAddress!), bytes: rows * MemoryLayout<Element>.stride)
            var offset = 0
            for part in parts {
                copy(part, buffer.baseAddress! + offset)
                offset += part.rows
            }
            initialized = rows
        }
    }
}
