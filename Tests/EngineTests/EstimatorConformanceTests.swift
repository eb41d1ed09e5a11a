import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

/// Every model kind passes the same checks (docs/STYLE.md §9, after scikit-learn's `check_estimator`):
/// seeded fits repeat, fitting leaves the settings untouched, probabilities are probabilities,
/// the artifact round-trips to bit-identical predictions, a refit on other rows changes the
/// state, and rows lacking a feature are refused by name.
@Suite("Estimator conformance")
struct EstimatorConformanceTests {
    /// TOP3 on the real data, split into two halves.
    static let data: (first: Dataset, second: Dataset, table: Table) = {
        var table = try! CSVReader.readTable(path: realDataPath)
        table = try! LabelCollapse.apply(table, columns: UCIFaults.faultColumns, into: "Label")
        table = try! RowFilter.apply(table, column: "Label", values: ["Bumps", "K_Scatch", "Z_Scratch"], keep: true)
        let data = try! Dataset.from(table, target: "Label")
        return (
            data.selecting(rows: Array(stride(from: 0, to: data.rowCount, by: 2))),
            data.selecting(rows: Array(stride(from: 1, to: data.rowCount, by: 2))), table
        )
    }()

    static let plan = PreprocessingPlan(scale: true)

    func fit(_ kind: ModelKind, _ data: Dataset, seed: UInt64 = 42, settings: ModelSettings? = nil) throws
        -> FittedPipeline
    {
        try FittedPipeline.fit(
            kind: kind, settings: settings ?? kind.settings([:]), plan: Self.plan, dataset: data, frameSteps: [],
            target: "Label", seed: seed, threads: 2)
    }

    @Test(
        "every model: deterministic, settings untouched, probabilities valid, artifact exact, refit changes state",
        arguments: ModelCatalog.names)
    func conformance(_ name: String) throws {
        let kind = try ModelCatalog.kind(name)
        let settings = try kind.settings([:])
        let test = Self.data.second.x
        let first = try fit(kind, Self.data.first, settings: settings)
        let again = try fit(kind, Self.data.first, settings: settings)
        #expect(first == again, "a fixed seed gives the same fitted state")
        #expect(first.settings == settings, "fitting does not change the parameters")
        let probabilities = first.probabilities(test)
        #expect(probabilities.rows == test.rows && probabilities.columns == 3)
        for r in 0..<probabilities.rows {
            let row = probabilities.row(r)
            #expect(row.allSatisfy { $0 >= 0 && $0 <= 1 } && abs(row.reduce(0, +) - 1) < 1e-9)
        }
        let plain = JSONEncoder()
        plain.outputFormatting = [.sortedKeys]
        #expect(try first.encoded() == plain.encode(first), "trees written by hand are JSONEncoder's bytes")
        let restored = try FittedPipeline.decode(try first.encoded())
        #expect(restored == first)
        #expect(
            restored.probabilities(test).values == probabilities.values, "the artifact predicts bit for bit the same")
        if name != "dummy" {
            let refit = try fit(kind, Self.data.second, settings: settings)
            #expect(refit.model != first.model, "refitting replaces the fitted state")
        }
        let accuracy = zip(probabilities.argmaxRows(), Self.data.second.y).filter { $0 == $1 }.count
        #expect(Double(accuracy) / Double(test.rows) > (name == "dummy" ? 0.35 : 0.8), "\(name) learns something")
    }

    @Test("rows lacking features the model needs are refused, naming them")
    func missingFeatures() throws {
        let pipeline = try fit(ModelCatalog.kind("nb"), Self.data.first)
        let table = try Self.data.table.removing(columns: ["Pixels_Areas", "X_Minimum"])
        let error = engineError { _ = try pipeline.features(of: table) }
        #expect(error?.message == "the rows lack 2 features the model needs: X_Minimum, Pixels_Areas")
    }

    @Test("unknown parameters and out-of-range values name the valid ones")
    func parameterErrors() throws {
        let et = try ModelCatalog.kind("et")
        let unknown = engineError { _ = try et.settings(["n_estimator": "10"]) }
        #expect(unknown?.message == "et has no parameter 'n_estimator'" && unknown?.suggestions == ["n_estimators"])
        let range = engineError { _ = try et.settings(["max_depth": "0"]) }
        #expect(range?.message == "the 'max_depth' parameter of et must be an int in [1, 1000] or none; got '0'")
        let model = engineError { _ = try ModelCatalog.kind("xgb") }
        #expect(model?.message == "unknown model 'xgb'" && model?.hint?.contains("gbm") == true)
        #expect(try et.settings(["max_features": "0.5", "bootstrap": "true"])["max_features"] == .real(0.5))
    }

    @Test("every declared default and search value is one its constraint accepts, read back as itself")
    func declarationsAgreeWithTheirConstraints() throws {
        for kind in ModelCatalog.all {
            for parameter in kind.parameters {
                for value in [parameter.defaultValue] + parameter.searchSpace {
                    #expect(
                        parameter.constraint.value(of: value.description) == value,
                        "\(kind.name) \(parameter.name)=\(value) against \(parameter.constraint.description)")
                }
            }
        }
    }

    @Test("typed hyperparameters read what was given, and their defaults when not")
    func typedHyperparameters() throws {
        let et = try ModelCatalog.kind("et").settings(["max_depth": "none", "max_features": "0.5", "bootstrap": "true"])
        #expect(et[ModelCatalog.TreeParameters.maxDepth] == nil)
        #expect(et[ModelCatalog.TreeParameters.maxFeatures(default: .squareRoot)] == .fraction(0.5))
        #expect(FeatureCount.fraction(0.5).of(27) == 13 && FeatureCount.squareRoot.of(27) == 5)
        #expect(FeatureCount.logarithm.of(27) == 4 && FeatureCount.count(40).of(27) == 27)
        #expect(et[ModelCatalog.TreeParameters.bootstrap(default: false)] == true)
        #expect(et[ModelCatalog.TreeParameters.trees] == 100)
        #expect(et[ModelCatalog.TreeParameters.classWeight] == .none)
        let gbm = try ModelCatalog.kind("gbm").settings([
            "max_depth": "5", "growth": "DepthWise", "learning_rate": "0.2",
        ])
        #expect(gbm[ModelCatalog.BoostingParameters.maxDepth] == 5)
        #expect(gbm[ModelCatalog.BoostingParameters.growth] == .depthwise)
        #expect(gbm[ModelCatalog.BoostingParameters.learningRate] == 0.2)
        #expect(gbm[ModelCatalog.randomState] == nil)
    }

    @Test("a corrupt or foreign artifact is refused")
    func badArtifacts() {
        #expect(
            engineError { _ = try FittedPipeline.decode(Data("{}".utf8)) }?.message.hasPrefix(
                "not a PlateShell model artifact") == true)
    }
}
