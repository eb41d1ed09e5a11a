import Engine
import Foundation
import TestSupport
import Testing

@testable import Interpreter

@Suite("Session: modelling commands")
struct ModelingSessionTests {
    static let faults = "Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults"

    /// A session on fsp.faults with the label collapsed and the top-3 filter applied.
    func top3() -> Harness {
        let shell = Harness()
        shell.run(
            "load \(realDataPath) as fsp.faults; label onehot=\(Self.faults); keep top=3 by=Label exclude=Other_Faults")
        return shell
    }

    @Test("scale, pca, split, compare, fit, evaluate, predict: the notebook-2 path")
    func path() throws {
        let shell = top3()
        shell.run("scale")
        let variance = try #require(shell.run("pca var=0.999").first?.tables(named: "variance").first)
        #expect(variance.rows.filter { $0[3] == .text("yes") }.count == 20)
        shell.run("split test=0.3")
        let board = try #require(shell.run("compare folds=3 models=lr,nb,dt").first?.tables(named: "leaderboard").first)
        #expect(board.rows.count == 3 && board.columns.contains("auc") && board.columns.contains("fit_ms"))
        let accuracies = board.rows.map { $0[2].double! }
        #expect(accuracies == accuracies.sorted(by: >), "best first")
        shell.run("fit lr as=logit C=0.5")
        let evaluation = try #require(shell.run("evaluate logit").first)
        #expect(evaluation.tables(named: "confusion").first?.rows.count == 3)
        let accuracy = try #require(
            evaluation.tables(named: "metrics").first?.rows.first { $0[0] == .text("accuracy") }?[1].double)
        #expect(abs(accuracy - 0.9322) < 0.005, "holdout accuracy \(accuracy), 0.9322 when measured")
        let prediction = try #require(shell.run("predict logit plate 42").first)
        guard case .fields(_, let fields)? = prediction.blocks.first else {
            Issue.record("no prediction fields")
            return
        }
        #expect(
            fields.first { $0.key == "source_row" }?.value == .integer(200), "row 42 of TOP3 is row 200 of the file")
        #expect(fields.first { $0.key == "actual" }?.value == .text("Z_Scratch"))
        shell.run("predict logit on=fsp.faults into=fsp.predictions")
        let stored = try shell.session.store().read(
            try shell.session.store().version(try TableName(parsing: "fsp.predictions")))
        #expect(
            stored.rowCount == 1941
                && stored.columnNames.suffix(4) == ["predicted", "proba_Bumps", "proba_K_Scatch", "proba_Z_Scratch"])
    }

    @Test("tune keeps the best settings, never worse than the given ones")
    func tune() throws {
        let shell = top3()
        shell.run("scale")
        let alone = try #require(
            shell.run("tune knn iters=1 folds=3 n_neighbors=7 as=given").first?.tables(named: "candidates").first)
        #expect(
            alone.rows.count == 1 && alone.value(0, "n_neighbors") == .text("7"),
            "one iteration tries only the given settings")
        let given = try #require(alone.rows[0][1].double)
        let output = try #require(shell.run("tune knn iters=6 folds=3 n_neighbors=7").first)
        let candidates = try #require(output.tables(named: "candidates").first)
        #expect(candidates.rows.count == 6)
        #expect(shell.session.modeling.model(named: "knn_tuned") != nil)
        let best = try #require(candidates.rows[0][1].double)
        #expect(candidates.rows.allSatisfy { $0[1].double! <= best })
        #expect(best >= given, "the best of 6 (\(best)) is never worse than the given settings (\(given))")
        #expect(
            candidates.rows.contains {
                $0[1].double == given && $0[candidates.columns.firstIndex(of: "n_neighbors")!] == .text("7")
            },
            "the given settings are among the candidates, scored the same on the same folds")
        #expect(output.messages.contains(String(format: "(given settings: %.4f)", given)))
    }

    @Test("bad input gets a clear error and leaves the session intact")
    func badInput() throws {
        let shell = Harness()
        shell.run("load \(realDataPath) as fsp.faults")
        let unlabelled = try #require(shell.failure("compare"))
        #expect(unlabelled.message == "the frame has no label column 'Label'")
        #expect(
            unlabelled.hint
                == "collapse the one-hot fault columns first (label onehot=...), or name the label column the frame has (label COLUMN)"
        )
        #expect(shell.failure("label")?.message.hasPrefix("label needs onehot=COLUMNS") == true)
        #expect(shell.failure("label Nope")?.message.hasPrefix("unknown column 'Nope'") == true)
        #expect(shell.failure("label Pastry onehot=Pastry")?.message == "give onehot=COLUMNS or a COLUMN, not both")
        #expect(
            shell.run("label Bumps").first?.messages
                == "'Bumps' is the label: the models learn it from the other numeric columns.")
        let named = try #require(shell.run("compare folds=3 models=nb").first?.tables(named: "leaderboard").first)
        #expect(named.rows.count == 1, "an existing column named as the label trains")
        shell.run("label onehot=\(Self.faults)")
        #expect(shell.failure("fit xgb")?.fullMessage.hasPrefix("'model' must be one of") == true)
        let parameter = try #require(shell.failure("fit et n_estimator=10"))
        #expect(parameter.fullMessage == "et has no parameter 'n_estimator'; did you mean 'n_estimators'?")
        #expect(parameter.range == 7..<21)
        let range = try #require(shell.failure("fit et max_depth=-2"))
        #expect(range.message == "the 'max_depth' parameter of et must be an int in [1, 1000] or none; got '-2'")
        #expect(
            shell.failure("compare folds=100")?.message
                == "folds=100 is more than the 55 rows of the smallest class ('Dirtiness')")
        #expect(shell.failure("evaluate")?.message == "no model has been fitted in this session")
        shell.run("fit nb")
        #expect(
            shell.failure("evaluate nb")?.message
                == "'nb' was fitted on all rows, so no rows are left to evaluate it on")
        #expect(shell.failure("predict nb on=/no/such.csv") != nil)
        #expect(shell.failure("predict nbb")?.fullMessage == "no fitted model named 'nbb'; did you mean 'nb'?")
        shell.run("keep Label in Bumps")
        #expect(
            shell.failure("fit lr")?.message
                == "the label 'Label' has only one class (Bumps); a classifier needs two or more")
        #expect(shell.session.modeling.model(named: "nb") != nil, "the fitted model survives the errors")
    }

    @Test("text features and missing values are named, with the way out")
    func dataProblems() throws {
        let shell = Harness()
        let path = shell.directory.file("small.csv", "a,b,kind,Label\n1,2,x,P\n2,,y,Q\n3,4,x,P\n4,5,y,Q\n")
        shell.run("load \(path) as main.small")
        #expect(shell.failure("fit lr")?.message == "feature 'kind' is text; models take numeric features")
        shell.run("sql select a, b, Label from small into numeric")
        let missing = try #require(shell.failure("fit lr"))
        #expect(missing.message == "missing values in 1 column: models need every cell")
        #expect(missing.hint?.contains("dropna") == true && missing.notes == ["b: 1 missing"])
        shell.run("fillna median")
        shell.run("fit lr")
    }

    @Test("plots are written as PNG and SVG into the workspace")
    func plots() throws {
        let shell = top3()
        #expect(shell.failure("plot pca")?.message == "no PCA to draw yet")
        shell.run("scale; pca k=5")
        let output = try #require(shell.run("plot pca").first)
        guard case .fields(_, let fields)? = output.blocks.first, case .text(let png)? = fields.first?.value else {
            Issue.record("no paths")
            return
        }
        #expect(png.hasSuffix("artifacts/plots/pca.png"))
        let header = try #require(FileManager.default.contents(atPath: png)).prefix(8)
        #expect(Array(header) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let svg = try String(contentsOfFile: png.replacingOccurrences(of: ".png", with: ".svg"), encoding: .utf8)
        #expect(svg.contains("<svg"))
    }
}
