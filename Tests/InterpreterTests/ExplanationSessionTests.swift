import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import Interpreter
@testable import MLCore

@Suite("Session: explanation commands")
struct ExplanationSessionTests {
    func top3(fitting model: String? = "gbm n_estimators=30") -> Harness {
        let shell = Harness()
        shell.run(
            "load \(realDataPath) as fsp.faults; label onehot=\(ModelingSessionTests.faults); keep top=3 by=Label exclude=Other_Faults"
        )
        if let model { shell.run("fit \(model)") }
        return shell
    }

    @Test("shap plate: contributions add up from the base to the output, in the model's space, with a plot")
    func plate() throws {
        let shell = top3()
        let output = try #require(shell.run("shap plate 42 top=5").first)
        let fields = try #require(output.fields(named: "explanation"))
        func field(_ key: String) -> Value? { fields.first { $0.key == key }?.value }
        #expect(field("predicted") == .text("Z_Scratch") && field("class") == .text("Z_Scratch"))
        #expect(field("space") == .text("margin") && field("method") == .text("exact path-dependent TreeSHAP"))
        let contributions = try #require(output.tables(named: "contributions").first)
        #expect(contributions.rows.count == 6 && contributions.rows[0][0] == .text("Steel_Plate_Thickness"))
        let total = contributions.rows.reduce(0.0) { $0 + $1[2].double! } + field("base_value")!.double!
        #expect(abs(total - field("output")!.double!) < 1e-9)
        #expect(
            FileManager.default.fileExists(
                atPath: shell.session.workspace.layout.artifactsDirectory + "/plots/shap-plate-42-Z_Scratch.png"))
        let bumps = try #require(shell.run("shap plate 42 class=Bumps").first)
        let bumpFields = try #require(bumps.fields(named: "explanation"))
        #expect(bumpFields.first { $0.key == "class" }?.value == .text("Bumps"))
    }

    @Test("shap summary ranks the process settings first for gradient boosting, as LightGBM's SHAP does")
    func summary() throws {
        let shell = top3()
        let table = try #require(shell.run("shap summary top=3").first?.tables(named: "importance").first)
        #expect(table.rows.prefix(2).map { $0[0] } == [.text("Steel_Plate_Thickness"), .text("Length_of_Conveyer")])
        let dependence = try #require(
            shell.run("shap dependence steel_plate_thickness class=K_Scatch").first?.tables(named: "dependence").first)
        #expect(
            dependence.rows.first?[0] == .text("40") && dependence.rows.first![2].double! > 0,
            "thin plates push K_Scatch up")
    }

    @Test(
        "summary, dependence and advise summary on one frame share one explanation; a refit or another frame explains afresh"
    )
    func explanationShared() throws {
        let shell = top3()
        shell.run("shap summary")
        let cached = try #require(shell.session.modeling.lastExplanation)
        let computed = cached.explanation
        // Mark the kept explanation: a command that reuses it reports the marked method.
        let marked = Explanation(
            features: computed.features, classes: computed.classes, rows: computed.rows, values: computed.values,
            base: computed.base, space: computed.space, method: "the kept explanation", outputs: computed.outputs,
            standardErrors: nil)
        shell.session.modeling.lastExplanation = CachedExplanation(
            pipeline: cached.pipeline, rows: cached.rows, background: cached.background,
            permutations: cached.permutations, seed: cached.seed, explanation: marked)
        #expect(
            shell.run("shap dependence Steel_Plate_Thickness").first?.messages.hasPrefix(
                "Method: the kept explanation.") == true)
        #expect(
            shell.run("shap summary").first?.messages.hasPrefix(
                "Method: the kept explanation (983 plates explained by an earlier command, values reused)") == true)
        #expect(
            shell.run("advise summary").first != nil
                && shell.session.modeling.lastExplanation?.explanation.method == "the kept explanation")
        shell.run("fit gbm n_estimators=20")
        #expect(
            shell.run("shap dependence Steel_Plate_Thickness").first?.messages.hasPrefix(
                "Method: exact path-dependent TreeSHAP") == true,
            "a refit model is explained afresh")
        let refit = try #require(shell.session.modeling.lastExplanation)
        #expect(refit.pipeline != cached.pipeline)
        shell.run("keep top=2 by=Label")
        #expect(
            shell.run("shap dependence Steel_Plate_Thickness").first?.messages.hasPrefix(
                "Method: exact path-dependent TreeSHAP") == true)
        #expect(
            shell.session.modeling.lastExplanation?.rows.rows ?? 0 < refit.rows.rows,
            "another frame is explained afresh")
    }

    @Test("pipelines with PCA are explained by sampling, stating the method and its error; linear models exactly")
    func otherMethods() throws {
        let shell = top3(fitting: nil)
        shell.run("scale; pca var=0.999; fit et n_estimators=10")
        let sampled = try #require(shell.run("shap plate 3 permutations=16").first)
        let fields = try #require(sampled.fields(named: "explanation"))
        #expect(
            fields.first { $0.key == "method" }?.value.displayText.hasPrefix(
                "permutation SHAP (sampled): 16 permutations") == true)
        #expect(fields.contains { $0.key == "largest_standard_error" })
        shell.run("fit lr")
        let linear = try #require(shell.run("shap plate 3").first)
        let linearFields = try #require(linear.fields(named: "explanation"))
        #expect(linearFields.first { $0.key == "method" }?.value.displayText.hasPrefix("exact linear SHAP") == true)
    }

    @Test("whatif, advise and importance re-predict, search the actionable settings, and shuffle features")
    func whatifAdvise() throws {
        let shell = top3()
        let whatif = try #require(
            shell.run("whatif plate 42 Steel_Plate_Thickness=40").first?.tables(named: "probabilities").first)
        #expect(
            whatif.rows.count == 3
                && whatif.rows.allSatisfy { abs($0[3].double! - ($0[2].double! - $0[1].double!)) < 1e-12 })
        let advice = try #require(shell.run("advise plate 42").first)
        let options = try #require(advice.tables(named: "options").first)
        #expect(!options.rows.isEmpty && options.rows[0][3].double! < 0, "the best option lowers P(Z_Scratch)")
        #expect(advice.messages.contains("not proven causes"))
        let summary = try #require(shell.run("advise summary").first)
        #expect(summary.messages.contains("Steel_Plate_Thickness above"))
        shell.run("actionable Steel_Plate_Thickness")
        let narrowed = try #require(shell.run("advise plate 42").first?.tables(named: "options").first)
        #expect(narrowed.rows.allSatisfy { $0[1].displayText.hasPrefix("Steel_Plate_Thickness") })
        let importance = try #require(shell.run("importance repeats=2").first?.tables(named: "importance").first)
        #expect(importance.rows.first?[0] == .text("Steel_Plate_Thickness"))
        shell.run("use fsp.faults; label onehot=\(ModelingSessionTests.faults)")
        let unknown = try #require(shell.failure("importance repeats=1"))
        #expect(
            unknown.message == "the frame holds classes gbm was not trained on, so its accuracy on them means nothing")
        #expect(
            unknown.notes.first == "Dirtiness: 55 rows"
                && unknown.hint == "keep the rows of its classes first: keep Label in Bumps,K_Scatch,Z_Scratch")
    }

    @Test("bad input: clear errors, the session intact")
    func badInput() throws {
        let shell = top3(fitting: nil)
        #expect(shell.failure("shap plate 1")?.message == "no model has been fitted in this session")
        shell.run("fit dt")
        #expect(shell.failure("shap plate 983")?.message == "there is no plate 983: the frame has plates 0 to 982")
        #expect(
            shell.failure("shap plate 1 class=Bump")?.fullMessage
                == "the model knows no class 'Bump'; did you mean 'Bumps'?")
        #expect(shell.failure("shap dependence Thickness")?.message == "unknown column 'Thickness'")
        #expect(
            shell.failure("whatif plate 1 Steel_Plate_Thicknes=40")?.fullMessage
                == "unknown column 'Steel_Plate_Thicknes'; did you mean 'Steel_Plate_Thickness'?")
        #expect(
            shell.failure("whatif plate 1 Steel_Plate_Thickness=thick")?.message
                == "'Steel_Plate_Thickness' takes a number; got 'thick'")
        #expect(shell.failure("whatif plate 1")?.message == "whatif needs at least one FEATURE=VALUE")
        shell.run("save as fsp.top3")
        shell.run("sql select Pixels_Areas, X_Minimum, Label from fsp.top3 into small")
        shell.run("fit dt as=small_dt")
        #expect(shell.failure("advise plate 1")?.message == "no actionable feature is among the model's features")
        #expect(shell.session.modeling.model(named: "dt") != nil)
    }
}
