import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("Transforms")
struct TransformTests {
    private let table = try! Table(columns: [
        Column(name: "v", type: .real, values: [.real(1), .missing, .real(3), .real(5)]),
        Column(name: "A", type: .integer, values: [1, 0, 0, 0].map { Value.integer($0) }),
        Column(name: "B", type: .integer, values: [0, 1, 0, 1].map { Value.integer($0) }),
        Column(name: "C", type: .integer, values: [0, 0, 1, 0].map { Value.integer($0) }),
    ])

    @Test("label collapses one-hot columns into one text column")
    func collapse() throws {
        let labelled = try LabelCollapse.apply(table, columns: ["A", "B", "C"], into: "Label")
        #expect(labelled.columnNames == ["v", "Label"])
        #expect(try labelled.column(named: "Label").storage == .text(["A", "B", "C", "B"]))
    }

    @Test("label refuses rows with no 1, several 1s, or other values, listing them")
    func collapseErrors() {
        let error = engineError { _ = try LabelCollapse.apply(table, columns: ["A", "C"], into: "Label") }
        #expect(error?.message == "2 of 4 rows do not have exactly one 1 among A, C")
        #expect(error?.notes == ["row 1: no column is 1", "row 3: no column is 1"])
        let overlapping = try! table.setting(
            Column(name: "C", type: .integer, values: [1, 0, 1, 0].map { Value.integer($0) }))
        #expect(
            engineError { _ = try LabelCollapse.apply(overlapping, columns: ["A", "B", "C"], into: "L") }?.notes
                == ["row 0: several columns are 1: A, C"])
    }

    @Test("keep and drop filter by value; an unknown value suggests a known one")
    func filters() throws {
        let labelled = try LabelCollapse.apply(table, columns: ["A", "B", "C"], into: "Label")
        #expect(try RowFilter.apply(labelled, column: "Label", values: ["B"], keep: true).rowCount == 2)
        #expect(try RowFilter.apply(labelled, column: "Label", values: ["B"], keep: false).rowCount == 2)
        let typo = engineError { _ = try RowFilter.apply(labelled, column: "Label", values: ["b2"], keep: true) }
        #expect(typo?.kind == .unknownValue && typo?.suggestions == ["B"])
        #expect(try RowFilter.topValues(labelled, column: "Label", k: 2, excluding: ["B"]) == ["A", "C"])
        #expect(
            engineError { _ = try RowFilter.topValues(labelled, column: "Label", k: 3, excluding: ["B"]) }?.kind
                == .invalidArgument)
    }

    @Test("dropna and fillna keep what they learned")
    func missing() throws {
        #expect(try MissingValues.dropRows(table, columns: []).rowCount == 3)
        let values = try MissingValues.fillValues(table, rule: .median)
        #expect(values == ["v": .real(3)])
        let filled = try FrameStep.fillMissing(values: values, rule: "median").apply(to: table)
        #expect(try filled.column(named: "v").double(at: 1) == 3)
        #expect(engineError { _ = try MissingValues.fillValues(table, rule: .constant("abc")) }?.kind == .typeMismatch)
    }
}
