import Foundation

/// A stretch of time and the rows of a table that fall in it: `start ≤ time < end`.
public struct TimeWindow: Sendable, Equatable {
    public let start: Date
    public let end: Date
    /// The rows (indices into the table) whose time falls in the window, in table order.
    public let rows: [Int]
}

/// Rows of an inference log grouped by their `time` column: the rows between `since` and `until`,
/// cut into windows of a fixed length aligned to the Unix epoch in UTC (a `1d` window is a UTC day).
public enum TimeWindows {
    /// The column an inference log keeps its times in.
    public static let timeColumn = "time"

    /// A window length: a positive whole number and a unit, `s`, `m`, `h`, `d` or `w` (`30m`, `1d`).
    ///
    /// - Throws: `EngineError.invalidArgument` saying what a length looks like.
    public static func duration(_ text: String) throws -> TimeInterval {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int(text.dropLast()), count > 0 else {
            throw EngineError(
                .invalidArgument, "'\(text)' is not a window length",
                hint: "a whole number and a unit: s, m, h, d or w, e.g. window=1d or window=6h")
        }
        return TimeInterval(count) * unit
    }

    /// A time as given to `since=`/`until=` or stored in a log: ISO 8601, a date (`2026-12-07`,
    /// midnight UTC) or a date and time with or without seconds, fractions and zone (UTC when none).
    ///
    /// - Throws: `EngineError.invalidArgument` saying what a time looks like.
    public static func time(_ text: String) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let zoned = trimmed.hasSuffix("Z") || trimmed.range(of: #"[+-]\d\d:?\d\d$"#, options: .regularExpression) != nil
        let candidate = trimmed.count == 10 || zoned ? trimmed : trimmed + "Z"
        let withSeconds =
            candidate.count == 10 || candidate.range(of: #"T\d\d:\d\d:\d\d"#, options: .regularExpression) != nil
        let full = withSeconds ? candidate : candidate.replacingOccurrences(of: "Z", with: ":00Z")
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate],
        ] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: full) { return date }
        }
        throw EngineError(
            .invalidArgument, "'\(text)' is not a time",
            hint: "give an ISO 8601 date or time in UTC, e.g. 2026-12-07 or 2026-12-07T06:00 or 2026-12-07T06:00:00Z")
    }

    /// The times of `table`'s rows, from its `time` column.
    ///
    /// - Throws: `EngineError.unknownColumn` when there is none (with what windows need), or
    ///   `.invalidData` naming the first row whose time cannot be read.
    public static func times(of table: Table, named name: String) throws -> [Date] {
        guard let column = try? table.column(named: timeColumn) else {
            throw EngineError(
                .unknownColumn, "\(name) has no '\(timeColumn)' column, which windows and since=/until= read",
                hint:
                    "monitor an inference log ('plateshell serve MODEL_URI --log TABLE' writes one), or leave them out")
        }
        return try (0..<table.rowCount).map { row in
            guard case .text(let text) = column.value(at: row), let date = try? time(text) else {
                throw EngineError(
                    .invalidData,
                    "row \(row) of \(name) has '\(column.value(at: row).displayText)' as its time, which is not ISO 8601"
                )
            }
            return date
        }
    }

    /// The rows with `since ≤ time < until`, cut into windows of `length` seconds aligned to the
    /// epoch (one window from the first row's time to just past the last's without a length).
    /// Windows without rows are left out; the result is oldest first, empty when no row is in range.
    public static func split(times: [Date], since: Date?, until: Date?, length: TimeInterval?) -> [TimeWindow] {
        let kept = times.indices.filter { row in
            (since.map { times[row] >= $0 } ?? true) && (until.map { times[row] < $0 } ?? true)
        }
        guard let first = kept.map({ times[$0] }).min(), let last = kept.map({ times[$0] }).max() else { return [] }
        guard let length else {
            return [
                TimeWindow(
                    start: since ?? first, end: until ?? last.addingTimeInterval(0.001), rows: kept)
            ]
        }
        var byWindow: [Int: [Int]] = [:]
        for row in kept {
            byWindow[Int((times[row].timeIntervalSince1970 / length).rounded(.down)), default: []].append(row)
        }
        return byWindow.keys.sorted().map { index in
            let start = Date(timeIntervalSince1970: Double(index) * length)
            return TimeWindow(start: start, end: start.addingTimeInterval(length), rows: byWindow[index]!)
        }
    }

    /// A window bound as shown: ISO 8601 in UTC, without seconds when they are zero.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let text = formatter.string(from: date)
        return text.hasSuffix(":00Z") ? String(text.dropLast(4)) + "Z" : text
    }
}
