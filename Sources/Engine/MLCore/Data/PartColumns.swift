#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The cells of one part of a CSV file, converted as they are read: each column is typed by what
/// it has held so far, integer until a cell is a real, real until a cell is text.
///
/// A promotion re-types the rows already held: integers become doubles in place (as `strtod`
/// would read them, `-0` included); numbers before a column's first text cell stay numbers here,
/// and `CSVReader` reads them again as text if the whole column turns out to be text. Cells live
/// in raw 8-byte slots (an `Int64` or a `Double`, as the column's kind says) so the per-cell path
/// does no allocation, reference counting or exclusivity check. One thread uses a part at a time.
final class PartColumns: @unchecked Sendable {
    // @unchecked Sendable: raw cell buffers and mutable counts, for speed. A part is filled by one
    // worker of `CSVReader`'s concurrentPerform; after all have returned, the reader's thread
    // alone changes it, and the columns are assembled in parallel, each worker only reading.
    let count: Int
    /// Each column's current kind.
    private let kinds: UnsafeMutablePointer<ColumnType>
    /// Each column's cells, `capacity` slots of 8 bytes.
    private let cells: UnsafeMutablePointer<UnsafeMutableRawPointer>
    /// Each column's missing flags, one per row, allocated at its first missing cell.
    private let missingFlags: UnsafeMutablePointer<UnsafeMutablePointer<Bool>?>
    private(set) var capacity: Int
    /// The rows held.
    private(set) var rows = 0
    /// Text cells of columns whose kind is text, from the row where each turned text.
    private(set) var texts: [[String]]
    /// The row where each column turned text (`rows` for a column that did not).
    private var textStarts: [Int]
    /// The rows, in a column still integer, whose cell was a negative zero (a real `-0.0`).
    private var negativeZeros: [[Int]]
    private var missingCounts: [Int]
    /// Counts for type inference; `numbers` is filled in by `tallies`.
    private var counts: [ColumnTally]

    /// Columns for `count` fields; those in `textColumns` are text from the first row.
    init(count: Int, textColumns: [Bool], expectedRows: Int) {
        self.count = count
        capacity = max(expectedRows, 16)
        kinds = .allocate(capacity: count)
        cells = .allocate(capacity: count)
        missingFlags = .allocate(capacity: count)
        for column in 0..<count {
            kinds[column] = textColumns[column] ? .text : .integer
            cells[column] = malloc(capacity * 8)!
            missingFlags[column] = nil
        }
        texts = Array(repeating: [], count: count)
        textStarts = Array(repeating: 0, count: count)
        negativeZeros = Array(repeating: [], count: count)
        missingCounts = Array(repeating: 0, count: count)
        counts = Array(repeating: ColumnTally(), count: count)
    }

    deinit {
        for column in 0..<count {
            free(cells[column])
            free(missingFlags[column])
        }
        kinds.deallocate()
        cells.deallocate()
        missingFlags.deallocate()
    }

    /// Takes the present cell `bytes` (a `CSVRecord` field) of `column` in the current row (on
    /// `line`); false when it is text that is not UTF-8.
    @inline(__always)
    func take(_ bytes: UnsafeBufferPointer<UInt8>, column: Int, line: Int) -> Bool {
        let slot = cells[column] + rows &* 8
        switch kinds[column] {
        case .integer:
            if let value = NumberParsing.parseIntegerByWords(bytes) {
                slot.storeBytes(of: value, as: Int64.self)
                if value == 0 && bytes.contains(UInt8(ascii: "-")) { negativeZeros[column].append(rows) }
                return true
            }
            guard let value = NumberParsing.parseNumber(bytes) else {
                return takeFirstText(bytes, column: column, line: line)
            }
            promoteToReal(column)
            slot.storeBytes(of: value, as: Double.self)
            return true
        case .real:
            if let value = NumberParsing.parseNumberByWords(bytes) {
                slot.storeBytes(of: value, as: Double.self)
                return true
            }
            return takeFirstText(bytes, column: column, line: line)
        case .text:
            return takeText(bytes, column: column, line: line)
        }
    }

    /// Marks the cell of `column` in the current row missing.
    @inline(__always)
    func takeMissing(column: Int) {
        if missingFlags[column] == nil {
            missingFlags[column] = calloc(capacity, 1)!.assumingMemoryBound(to: Bool.self)
        }
        missingFlags[column]![rows] = true
        missingCounts[column] += 1
        switch kinds[column] {
        case .integer: (cells[column] + rows &* 8).storeBytes(of: 0, as: Int64.self)
        case .real: (cells[column] + rows &* 8).storeBytes(of: .nan, as: Double.self)
        case .text: texts[column].append("")
        }
    }

    /// Closes the current row, making room for the next; `estimate` answers how many rows the
    /// part will have in all, asked when the slots are full.
    @inline(__always)
    func endRow(estimate: () -> Int) {
        rows += 1
        if rows == capacity { grow(to: max(capacity * 2, estimate())) }
    }

    /// The counts of each column's cells, for type inference.
    func tallies() -> [ColumnTally] {
        (0..<count).map { column in
            var tally = counts[column]
            tally.numbers = rows - missingCounts[column] - tally.texts
            return tally
        }
    }

    /// Moves the lines of the text samples by `offset`.
    func shiftLines(by offset: Int) {
        for column in 0..<count { counts[column].shiftLines(by: offset) }
    }

    /// The kind `column` has now.
    func kind(_ column: Int) -> ColumnType { kinds[column] }

    /// How many of the first rows of `column` hold numbers or missing cells, not text (all rows
    /// unless the column turned text).
    func rowsBeforeText(_ column: Int) -> Int {
        kinds[column] == .text ? textStarts[column] : rows
    }

    /// Whether any cell of `column` is missing.
    func hasMissing(_ column: Int) -> Bool { missingFlags[column] != nil }

    /// Copies the integer cells of `column` to `target`.
    func copyIntegers(_ column: Int, to target: UnsafeMutablePointer<Int64>) {
        precondition(kinds[column] == .integer)
        memcpy(target, cells[column], rows * 8)
    }

    /// Writes the numeric cells of `column` as doubles to `target` (NaN where missing).
    func copyReals(_ column: Int, to target: UnsafeMutablePointer<Double>) {
        switch kinds[column] {
        case .integer:
            convertToReals(column, to: UnsafeMutableRawPointer(target))
        case .real:
            memcpy(target, cells[column], rows * 8)
        case .text:
            preconditionFailure("a text column has no reals")
        }
    }

    /// Copies the missing flags of `column` to `target` (all false when no cell is missing).
    func copyMissingFlags(_ column: Int, to target: UnsafeMutablePointer<Bool>) {
        if let flags = missingFlags[column] {
            target.update(from: flags, count: rows)
        } else {
            target.update(repeating: false, count: rows)
        }
    }

    // MARK: - Promotion

    private func promoteToReal(_ column: Int) {
        convertToReals(column, to: cells[column])
        kinds[column] = .real
        counts[column].anyReal = true
        negativeZeros[column] = []
    }

    /// The integer cells of `column` as doubles, read as `NumberParsing.parseNumber` reads their
    /// text: correctly rounded, `-0` negative, NaN where missing. `target` may be the cells.
    private func convertToReals(_ column: Int, to target: UnsafeMutableRawPointer) {
        let source = cells[column]
        let flags = missingFlags[column]
        for row in 0..<rows {
            let value = source.load(fromByteOffset: row &* 8, as: Int64.self)
            let real = flags?[row] == true ? Double.nan : Double(value)
            target.storeBytes(of: real, toByteOffset: row &* 8, as: Double.self)
        }
        for row in negativeZeros[column] { target.storeBytes(of: -0.0, toByteOffset: row &* 8, as: Double.self) }
    }

    private func takeFirstText(_ bytes: UnsafeBufferPointer<UInt8>, column: Int, line: Int) -> Bool {
        kinds[column] = .text
        textStarts[column] = rows
        negativeZeros[column] = []
        return takeText(bytes, column: column, line: line)
    }

    private func takeText(_ bytes: UnsafeBufferPointer<UInt8>, column: Int, line: Int) -> Bool {
        switch NumberParsing.classify(bytes) {
        case .integer:
            texts[column].append(String(decoding: bytes, as: UTF8.self))
        case .real:
            counts[column].anyReal = true
            texts[column].append(String(decoding: bytes, as: UTF8.self))
        case .notNumber:
            guard let text = String(validating: bytes, as: UTF8.self) else { return false }
            counts[column].addText(text, line: line)
            texts[column].append(text)
        }
        return true
    }

    private func grow(to rowCapacity: Int) {
        for column in 0..<count {
            cells[column] = realloc(cells[column], rowCapacity * 8)!
            MemoryPages.prefault(cells[column] + capacity * 8, bytes: (rowCapacity - capacity) * 8)
            if let flags = missingFlags[column] {
                let grown = realloc(flags, rowCapacity)!.assumingMemoryBound(to: Bool.self)
                (grown + capacity).initialize(repeating: false, count: rowCapacity - capacity)
                missingFlags[column] = grown
            }
        }
        capacity = rowCapacity
    }
}
