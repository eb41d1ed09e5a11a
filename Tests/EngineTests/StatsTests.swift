import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("Statistics")
struct StatsTests {
    private func table(_ columns: [Column]) -> Table { try! Table(columns: columns) }

    @Test("describe: pandas' count, mean, std (n−1), linear quartiles; missing left out and counted")
    func describe() throws {
        let column = Column(name: "x", type: .real, values: [.real(1), .real(2), .missing, .real(3), .real(10)])
        let summary = Describe.summarize(column)
        #expect(summary.count == 4 && summary.missing == 1)
        #expect(summary.mean == 4)
        #expect(abs(summary.std - (50.0 / 3).squareRoot()) < 1e-12)
        #expect(summary.q25 == 1.75 && summary.median == 2.5 && summary.q75 == 4.75)
        #expect(summary.min == 1 && summary.max == 10)
        let text = table([Column(name: "t", type: .text, values: [.text("a")])])
        #expect(engineError { _ = try Describe.summarize(text, columns: ["t"]) }?.kind == .typeMismatch)
    }

    @Test("counts: most frequent first, ties in order of appearance, percentages of present cells")
    func counts() {
        let column = Column(
            name: "c", type: .text, values: ["b", "a", "b", "c", "a", "b"].map(Value.text) + [.missing])
        let counts = ValueCounts(column)
        #expect(counts.entries.map(\.value) == [.text("b"), .text("a"), .text("c")])
        #expect(counts.entries.map(\.count) == [3, 2, 1])
        #expect(counts.entries.last?.cumulativePercent == 100)
        #expect(counts.entries.first?.percent == 50)
        #expect(counts.missing == 1)
    }

    @Test("corr: Pearson over pairwise-present rows; constant columns give NaN")
    func correlation() throws {
        let data = table([
            Column(name: "x", type: .real, values: [1, 2, 3, 4].map(Value.real)),
            Column(name: "y", type: .real, values: [2, 4, 6, 9].map(Value.real)),
            Column(name: "z", type: .real, values: [.real(4), .missing, .real(2), .real(1)]),
            Column(name: "k", type: .real, values: [5, 5, 5, 5].map(Value.real)),
        ])
        let matrix = try CorrelationMatrix(data)
        #expect(matrix.values[0][0] == 1)
        #expect(abs(matrix.values[0][1] - 0.994376712684369) < 1e-12)
        #expect(abs(matrix.values[0][2] - (-1.0)) < 1e-12)
        #expect(matrix.values[0][3].isNaN)
        #expect(
            matrix.strongestPairs().first.map { [$0.first, $0.second] } == ["x", "z"],
            "z is exactly linear in x where present")
    }

    @Test("hist: equal-width bins, the maximum in the last bin")
    func histogram() throws {
        let column = Column(name: "h", type: .integer, values: [0, 1, 2, 3, 4, 10].map { Value.integer($0) })
        let histogram = try Histogram(column, bins: 5)
        #expect(histogram.edges == [0, 2, 4, 6, 8, 10])
        #expect(histogram.counts == [2, 2, 1, 0, 1])
    }
}
