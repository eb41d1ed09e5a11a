import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("Scaling and PCA")
struct PCATests {
    /// The standardized TOP3 features, as scikit-learn's anchors computed PCA on them.
    static func top3() throws -> Matrix {
        var table = try CSVReader.readTable(path: realDataPath)
        table = try LabelCollapse.apply(table, columns: UCIFaults.faultColumns, into: "Label")
        table = try RowFilter.apply(table, column: "Label", values: ["Bumps", "K_Scatch", "Z_Scratch"], keep: true)
        let data = try Dataset.from(table, target: "Label")
        return StandardScaler.fit(data.x).transform(data.x)
    }

    @Test("standard scaling: mean 0, population deviation 1; a constant column is only centred")
    func scaler() {
        let x = Matrix(rows: 4, columns: 2, values: [1, 5, 2, 5, 3, 5, 4, 5])
        let fitted = StandardScaler.fit(x)
        #expect(fitted.mean == [2.5, 5])
        #expect(abs(fitted.scale[0] - 1.25.squareRoot()) < 1e-15 && fitted.scale[1] == 1)
        #expect(fitted.transform(x).column(1) == [0, 0, 0, 0])
    }

    @Test("on the standardized TOP3 data, PCA matches scikit-learn's explained variance and keeps 20 at var=0.999")
    func anchors() throws {
        let x = try Self.top3()
        let fitted = try PCA.fit(x, .variance(0.999))
        #expect(fitted.keptComponents == 20)
        let sklearn = [
            0.380191, 0.108492, 0.101275, 0.0823897, 0.0664113, 0.0511246, 0.0459698, 0.041167, 0.0248341, 0.0230341,
            0.0195763, 0.0148017, 0.0127774, 0.00926076, 0.00669425, 0.00444107, 0.00257891, 0.00178523, 0.00157199,
            0.00131645, 0.000173524, 9.98407e-05, 2.51965e-05, 8.45003e-06, 4.13218e-07,
        ]
        for (ours, theirs) in zip(fitted.explainedVarianceRatio, sklearn) {
            #expect(
                abs(ours - theirs) <= 5e-6 * theirs + 1e-12, "\(ours) vs scikit-learn \(theirs) (6 significant digits)")
        }
        for component in 0..<fitted.keptComponents {
            let row = (0..<x.columns).map { fitted.components[component, $0] }
            #expect(row.max { abs($0) < abs($1) }! > 0, "the largest loading is positive (scikit-learn's svd_flip)")
        }
        #expect(fitted.transform(x).columns == 20)
        #expect(try PCA.fit(x, .components(3)).keptComponents == 3)
        #expect(throws: EngineError.self) { try PCA.fit(x, .components(28)) }
    }
}

/// The one constraint type the command table and the models' hyperparameters share.
@Suite("Constraints")
struct ConstraintTests {
    @Test("ranges read one way; values are checked and converted; one bool parser")
    func constraints() {
        #expect(Constraint.int(1...).description == "an int in [1, ∞)")
        #expect(Constraint.intOrNone(1...1000).description == "an int in [1, 1000] or none")
        #expect(Constraint.real(0...1, lowerInclusive: false).description == "a number in (0, 1]")
        #expect(
            Constraint.real(0...1, lowerInclusive: false, upperInclusive: false).description == "a number in (0, 1)")
        #expect(Constraint.real(0...Double.infinity).description == "a number in [0, ∞)")
        #expect(Constraint.int(1...).value(of: "0") == nil && Constraint.int(1...).value(of: "7") == .int(7))
        #expect(
            Constraint.intOrNone(1...5).value(of: "None") == ParameterValue.none
                && Constraint.intOrNone(1...5).value(of: "6") == nil)
        #expect(Constraint.real(0...1, lowerInclusive: false).value(of: "0") == nil)
        #expect(Constraint.real(0...1, lowerInclusive: false).value(of: "1") == .real(1))
        #expect(Constraint.real(0...1).value(of: "nan") == nil && Constraint.real(0...1).value(of: "inf") == nil)
        #expect(
            Constraint.choice(["Production", "Staging"]).value(of: "production") == .text("Production"),
            "the declared spelling is kept")
        for (text, value) in [
            ("TRUE", true), ("on", true), ("yes", true), ("1", true), ("off", false), ("No", false), ("0", false),
        ] {
            #expect(Constraint.bool.value(of: text) == .bool(value), "\(text)")
        }
        #expect(Constraint.bool.value(of: "maybe") == nil)
        #expect(
            Constraint.featureCount.value(of: "0.5") == .real(0.5) && Constraint.featureCount.value(of: "1.5") == nil)
        #expect(Constraint.featureCount.completions == ["sqrt", "log2", "none"])
    }

    @Test("the command table and the models word the same range the same way")
    func sharedWording() throws {
        let kind = try ModelCatalog.kind("et")
        let error = try #require(
            engineError { _ = try kind.parameters.first { $0.name == "n_estimators" }!.parse("0", model: "et") })
        let constraint = kind.parameters.first { $0.name == "n_estimators" }!.constraint
        #expect(error.message == "the 'n_estimators' parameter of et must be \(constraint.description); got '0'")
        #expect(constraint.description.hasPrefix("an int in [1, "))
    }
}
