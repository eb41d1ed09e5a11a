import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

/// What-if and advice: a changed row re-predicts; the search moves the probability the asked way,
/// best first, each option changing a different set of actionable features, the steel grades as a pair.
@Suite("What-if and advice")
struct WhatIfTests {
    typealias F = ScoringFixture

    @Test("changed replaces only the given features")
    func changed() {
        #expect(WhatIf.changed([1, 2, 3], [1: 9]) == [1, 9, 3])
        #expect(WhatIf.changed([1, 2, 3], [:]) == [1, 2, 3])
    }

    @Test(
        "search lowers (or raises) the class's probability, best first, distinct feature sets, within the observed values"
    )
    func search() throws {
        let features = F.pipeline.features
        let actionable = WhatIf.defaultActionable.compactMap { features.firstIndex(of: $0.feature) }
        #expect(actionable.count == 4)
        let row = (0..<F.data.x.columns).map { F.data.x[42, $0] }
        let target = try #require(F.pipeline.classes.firstIndex(of: "Z_Scratch"))
        let base = F.pipeline.probabilities(Matrix(rows: 1, columns: row.count, values: row))[0, target]
        let lower = WhatIf.search(
            F.pipeline, row: row, frame: F.data.x, actionable: actionable, target: target, lower: true)
        #expect(!lower.isEmpty && lower.count <= 5)
        #expect(zip(lower, lower.dropFirst()).allSatisfy { $0.probability <= $1.probability + 1e-9 }, "best first")
        #expect(lower[0].probability < base, "the best option lowers P(Z_Scratch) from \(base)")
        #expect(
            Set(lower.map { Set($0.changes.keys) }).count == lower.count, "each option changes another set of features")
        #expect(lower.allSatisfy { Set($0.changes.keys).isSubset(of: Set(actionable)) && $0.size > 0 })
        let a300 = try #require(features.firstIndex(of: "TypeOfSteel_A300"))
        let a400 = try #require(features.firstIndex(of: "TypeOfSteel_A400"))
        #expect(
            lower.allSatisfy { ($0.changes[a300] == nil) == ($0.changes[a400] == nil) },
            "the steel grades switch together")
        for option in lower {
            for (feature, value) in option.changes where feature != a300 && feature != a400 {
                #expect(F.data.x.column(feature).contains(value), "values come from the frame")
            }
            let repredicted = F.pipeline.probabilities(
                Matrix(rows: 1, columns: row.count, values: WhatIf.changed(row, option.changes)))[0, target]
            #expect(
                abs(repredicted - option.probability) < 1e-12,
                "the option's probability is the model's on the changed row")
        }
        let raise = WhatIf.search(
            F.pipeline, row: row, frame: F.data.x, actionable: actionable, target: target, lower: false, limit: 3)
        #expect(
            raise.count <= 3 && zip(raise, raise.dropFirst()).allSatisfy { $0.probability >= $1.probability - 1e-9 })
    }
}
