/// How often each value of a column occurs: the table behind a Pareto chart.
public struct ValueCounts: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let value: Value
        public let count: Int
        /// Percent of the present (non-missing) cells.
        public let percent: Double
        /// Running total of `percent`, most frequent first.
        public let cumulativePercent: Double
    }

    /// Entries, most frequent first (ties in order of first appearance).
    public let entries: [Entry]
    /// Present cells counted.
    public let total: Int
    /// Missing cells, not counted in `entries`.
    public let missing: Int

    /// Counts already made elsewhere (by Spark, say): each value with its count, ranked most
    /// frequent first (ties in the order given), and the missing cells.
    public init(counted: [(value: Value, count: Int)], missing: Int) {
        let total = counted.reduce(0) { $0 + $1.count }
        let ranked = counted.enumerated().sorted { a, b in
            a.element.count != b.element.count ? a.element.count > b.element.count : a.offset < b.offset
        }
        var running = 0
        entries = ranked.map { _, pair in
            running += pair.count
            return Entry(
                value: pair.value, count: pair.count, percent: 100 * Double(pair.count) / Double(total),
                cumulativePercent: 100 * Double(running) / Double(total))
        }
        self.total = total
        self.missing = missing
    }

    /// Counts the values of `column`, as pandas' `value_counts()` does (missing cells left out).
    public init(_ column: Column) {
        var counts: [Value: Int] = [:]
        var order: [Value] = []
        var missing = 0
        for row in 0..<column.count {
            let value = column.value(at: row)
            if value == .missing {
                missing += 1
                continue
            }
            if counts[value] == nil { order.append(value) }
            counts[value, default: 0] += 1
        }
        let total = column.count - missing
        let ranked = order.enumerated().sorted { a, b in
            let ca = counts[a.element]!
            let cb = counts[b.element]!
            return ca != cb ? ca > cb : a.offset < b.offset
        }
        var running = 0
        entries = ranked.map { _, value in
            let count = counts[value]!
            running += count
            return Entry(
                value: value, count: count, percent: 100 * Double(count) / Double(total),
                cumulativePercent: 100 * Double(running) / Double(total))
        }
        self.total = total
        self.missing = missing
    }
}
