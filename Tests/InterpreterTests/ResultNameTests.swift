import Engine
import Foundation
import TestSupport
import Testing

@testable import Interpreter

/// Every command that names its result takes `as NAME` and `as=NAME` alike, and documents and
/// completes one form: `as NAME`.
@Suite("Result names: as NAME and as=NAME")
struct ResultNameTests {
    /// The commands whose result has a name.
    static let naming = ["load", "save", "register", "fit", "tune", "label"]

    @Test("fit, tune, label, load, save and register take as NAME and as=NAME")
    func bothForms() throws {
        let shell = Harness()
        shell.run("load \(realDataPath) as=fsp.faults; label onehot=\(ModelingSessionTests.faults) as Defect")
        shell.run("keep top=3 by=Defect exclude=Other_Faults; save as=fsp.top3; use fsp.top3")
        shell.run(
            "fit nb as nb_bare; fit nb as=nb_assigned on=all; tune nb as nb_best iters=1 folds=2; tune nb iters=1 folds=2 as=nb_best2"
        )
        let models = try #require(shell.run("models").first?.tables(named: "models").first)
        #expect(
            Set(models.rows.map { $0[0].displayText }) == ["nb_bare", "nb_assigned", "nb_best", "nb_best2"])
        shell.run("register nb_bare as=m1; register nb_assigned as m1")
        #expect(try shell.session.tracking.tracker().catalog.versions("m1").count == 2)
        let tables = try shell.session.store().tables().map(\.name.description)
        #expect(tables.contains("fsp.faults") && tables.contains("fsp.top3"))
        #expect(shell.session.modeling.target == "Defect")
    }

    @Test("a name given both ways, or as= twice, is refused where it is written; label COLUMN takes no name")
    func givenTwice() throws {
        let shell = Harness()
        shell.run("load \(realDataPath) as fsp.faults; label onehot=\(ModelingSessionTests.faults)")
        let twice = try #require(shell.failure("fit nb as a as=b"))
        #expect(twice.message == "'as' is given twice")
        #expect(twice.range == 7..<9, "the caret is under the bare 'as'")
        #expect(shell.failure("fit nb as=a as=b")?.message == "'as' is given twice")
        #expect(
            shell.failure("label Label as Defect")?.message
                == "'as' names the column onehot= collapses into; an existing label column keeps its name")
    }

    @Test("usage, help and the reference show as <name>, never as=")
    func oneDocumentedForm() throws {
        for name in Self.naming {
            let spec = try #require(CommandTable.spec(named: name))
            #expect(spec.usage.contains("as <"), "\(name): \(spec.usage)")
            #expect(!spec.usage.contains("as="), "\(name): \(spec.usage)")
            #expect(!spec.help.contains("as="), "\(name)'s help")
            #expect(spec.examples.allSatisfy { !$0.contains("as=") }, "\(name)'s examples")
        }
        #expect(!Reference.markdown().contains(" as="))
    }

    @Test("completion offers the keyword as, not as=, and completes the name's value after either form")
    func completion() {
        let completer = Completer(tables: ["fsp.faults", "fsp.top3"], columns: ["Label"], directory: "/")
        func texts(_ line: String) -> [String] {
            completer.complete(line: line, cursor: line.utf8.count).map(\.text)
        }
        #expect(texts("fit gbm a").contains("as") && !texts("fit gbm a").contains("as="))
        #expect(texts("tune et a") == ["as"])
        #expect(texts("register gbm a") == ["as"])
        #expect(texts("label onehot=Label a") == ["as"])
        #expect(texts("load x.csv as=fsp.") == ["fsp.faults", "fsp.top3"])
        #expect(!texts("fit gbm as=g ").contains("as"), "a name given as as= is not offered again")
    }
}
