import TestSupport
import Testing

@testable import Interpreter

@Suite("Completion")
struct CompleterTests {
    private let completer = Completer(
        tables: ["fsp.faults", "fsp.top3"], columns: ["Pixels_Areas", "Label", "LogOfAreas"],
        directory: packageRoot.path)

    private func texts(_ line: String) -> [String] {
        completer.complete(line: line, cursor: line.utf8.count).map(\.text)
    }

    @Test("command names at the start of a command, also after ';'")
    func commands() {
        #expect(texts("desc") == ["describe"])
        #expect(texts("h") == ["head", "help", "hist", "history"])
        #expect(texts("head 3; co") == ["columns", "compare", "corr", "counts"])
        let completion = completer.complete(line: "tab", cursor: 3).first
        #expect(completion == Completion(range: 0..<3, text: "tables", kind: .command))
    }

    @Test("parameter keys and the values they take")
    func parameters() {
        #expect(texts("load x.csv m") == ["mode="])
        #expect(texts("load x.csv mode=") == ["append", "overwrite"])
        #expect(texts("load x.csv header=f") == ["false"])
        #expect(texts("counts Label t") == ["top="])
        #expect(texts("label onehot=Pixels_Areas,L") == ["Label", "LogOfAreas"])
        #expect(completer.complete(line: "label onehot=Pixels_Areas,L", cursor: 27).first?.range == 26..<27)
    }

    @Test("tables after use, as and in sql; columns where a column goes; keywords")
    func namesInContext() {
        #expect(texts("use fsp.t") == ["fsp.top3"])
        #expect(texts("save as fsp.") == ["fsp.faults", "fsp.top3"])
        #expect(texts("sql select * from fsp.f") == ["fsp.faults"])
        #expect(texts("counts L") == ["Label", "LogOfAreas"])
        #expect(texts("keep Label i") == ["in"])
        #expect(texts("help des") == ["describe"])
        #expect(texts("format m") == ["markdown"])
    }

    @Test(
        "completion reads the slots as binding does: an optional value or a later keyword, a keyword's value, nothing after the last slot"
    )
    func slotsAsBound() {
        #expect(texts("load x.csv a") == ["as"])
        #expect(texts("load x.csv as fsp.") == ["fsp.faults", "fsp.top3"])
        #expect(texts("predict p") == ["plate"], "the optional model is skipped when the word may be the later keyword")
        #expect(texts("keep Label in ").isEmpty, "values are free text")
        #expect(texts("counts Label L").isEmpty, "counts takes one column")
        #expect(texts("describe Label L") == ["Label", "LogOfAreas"], "a variadic slot takes more")
    }

    @Test("file paths after load, directories first completing with '/', names with spaces quoted")
    func paths() {
        #expect(texts("load Sour") == ["Sources/"])
        #expect(texts("load Sources/Eng") == ["Sources/Engine/"])
        #expect(texts("load scripts/notebooks/01") == ["scripts/notebooks/01-data-load.plsh"])
        #expect(texts("source \"scripts/note") == ["\"scripts/notebooks/"])
        #expect(completer.complete(line: "load Sour", cursor: 9).first?.completesWord == false)
    }

    @Test("nothing to offer where free text goes, and no crash on odd input")
    func nothing() {
        #expect(texts("head ").isEmpty)
        #expect(texts("nosuchcommand x").isEmpty)
        for line in ["\"", "=", "load =", ";;;", "sql ", "keep in in in", "label onehot=,,,"] {
            _ = completer.complete(line: line, cursor: line.utf8.count)
        }
    }
}
