import Foundation

/// A part's result whose line numbers (kept for error messages) count from the first line it was
/// given, and can be moved once the real first line is known.
protocol LineNumbered {
    mutating func shiftLines(by offset: Int)
}

/// What reading one part of a file gave: the part's result, the offset where its last record
/// ended, and the line after it.
struct PartOutcome<Part: LineNumbered>: LineNumbered {
    var part: Part
    let end: Int
    var nextLine: Int

    mutating func shiftLines(by offset: Int) {
        part.shiftLines(by: offset)
        nextLine += offset
    }
}

extension CSVReader {
    /// Files with less data than this are read on one core.
    static let parallelThreshold = 4 << 20

    /// Where a file's columns are named and where its data can be split for reading in parallel.
    struct Layout {
        let path: String
        let names: [String]
        /// Offsets just after line breaks: part `i` holds the records starting in
        /// `boundaries[i]..<boundaries[i + 1]`.
        let boundaries: [Int]
        /// The line the data starts on.
        let firstLine: Int

        var dataRange: Range<Int> { boundaries.first!..<boundaries.last! }

        /// Reads the header and splits files with more than `splitAbove` bytes of data into `parts`.
        ///
        /// - Throws: `EngineError` for a missing, unreadable or empty file, or a bad header.
        init(path: String, options: CSVOptions, parts: Int, splitAbove: Int) throws {
            self.path = path
            let tokenizer = try CSVTokenizer(path: path, separator: options.separator)
            guard let header = try tokenizer.firstRecord({ try headerNames($0, path: path, options: options) })
            else {
                throw EngineError(
                    .csv, "'\(path)' is empty", hint: "load takes a CSV file whose first line names the columns")
            }
            names = header.value
            try checkTextColumns(options.textColumns, names: names, path: path)
            let dataStart = options.hasHeader ? header.offset : 0
            firstLine = options.hasHeader ? header.line : 1
            let size = fileSize(path)
            // A stream (a pipe, /proc) has no size to split by; CSVSource copies those to a file first.
            guard size >= dataStart else {
                throw EngineError(
                    .io,
                    "'\(path)' is not a regular file (its size reads as \(size) bytes after \(dataStart) were read)",
                    hint: "load copies pipes, FIFOs and - (standard input) to a temporary file; give the path to load")
            }
            boundaries =
                size - dataStart >= splitAbove && parts > 1
                ? splitPoints(path: path, from: dataStart, to: size, parts: min(parts, 8)) : [dataStart, size]
        }
    }

    /// Checks that every column `text=` names is one of the file's columns.
    ///
    /// - Throws: `EngineError.unknownColumn` naming the unknown ones (in sorted order), with the
    ///   closest of the file's columns to each as suggestions.
    static func checkTextColumns(_ textColumns: Set<String>, names: [String], path: String) throws {
        let unknown = textColumns.subtracting(names).sorted()
        guard !unknown.isEmpty else { return }
        var suggestions: [String] = []
        for name in unknown {
            for candidate in Suggestions.closest(to: name, among: names) where !suggestions.contains(candidate) {
                suggestions.append(candidate)
            }
        }
        let listed =
            names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", …"
        throw EngineError(
            .unknownColumn,
            "text= names \(unknown.count == 1 ? "a column" : "columns") that '\(path)' does not have: "
                + unknown.map { "'\($0)'" }.joined(separator: ", "),
            hint: "text= takes the file's column names (exact case): \(listed)",
            suggestions: Array(suggestions.prefix(3)))
    }

    /// Runs `work` on each part of `layout` concurrently, with the part's byte range and the line
    /// to count from. When a part did not end exactly where the next began (the split fell inside
    /// a quoted field), the data is worked on again as one part. The first error in file order is
    /// thrown, with its true line.
    ///
    /// Parts after the first start counting at line 1, since the lines before them are not
    /// counted yet; once they are, each part's lines are shifted, and a part that failed is
    /// worked on again from its true first line for the error to name it.
    static func inParts<Part: LineNumbered>(
        _ layout: Layout, _ work: @Sendable (Range<Int>, Int) throws -> PartOutcome<Part>
    ) throws -> [Part] {
        if let parts = try inParts(layout.boundaries, firstLine: layout.firstLine, work) { return parts }
        return try inParts([layout.boundaries.first!, layout.boundaries.last!], firstLine: layout.firstLine, work)!
    }

    /// The parts' results; nil when a part did not end where the next began.
    private static func inParts<Part: LineNumbered>(
        _ boundaries: [Int], firstLine: Int, _ work: @Sendable (Range<Int>, Int) throws -> PartOutcome<Part>
    ) throws -> [Part]? {
        let count = boundaries.count - 1
        let ranges = (0..<count).map { boundaries[$0]..<boundaries[$0 + 1] }
        var results = [Result<PartOutcome<Part>, Error>?](repeating: nil, count: count)
        results.withDisjointSlots { results in
            DispatchQueue.concurrentPerform(iterations: count) { index in
                results[index] = Result { try work(ranges[index], index == 0 ? firstLine : 1) }
            }
        }
        var parts: [Part] = []
        var line = firstLine
        for (index, result) in results.enumerated() {
            let outcome: PartOutcome<Part>
            switch result! {
            case .success(var counted):
                if index > 0 { counted.shiftLines(by: line - 1) }
                outcome = counted
            case .failure(let error):
                if index == 0 { throw error }
                outcome = try work(ranges[index], line)
            }
            if index + 1 < count && outcome.end != boundaries[index + 1] { return nil }
            line = outcome.nextLine
            parts.append(outcome.part)
        }
        return parts
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

    /// The size of the file `path` names, following symbolic links (Foundation's attributes on
    /// Linux describe the link itself).
    private static func fileSize(_ path: String) -> Int {
        var status = stat()
        return stat(path, &status) == 0 ? Int(status.st_size) : 0
    }
}
