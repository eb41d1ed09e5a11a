import Engine
import Foundation
import TestSupport
import Testing

@testable import Interpreter

@Suite("Command table")
struct CommandTableTests {
    @Test("every command is documented, and names are unique")
    func documented() {
        var seen = Set<String>()
        for spec in CommandTable.all {
            #expect(!spec.summary.isEmpty && !spec.help.isEmpty, "\(spec.name)")
            for name in [spec.name] + spec.aliases { #expect(seen.insert(name).inserted, "\(name) is declared twice") }
            for parameter in spec.parameters {
                #expect(!parameter.help.isEmpty, "\(spec.name) \(parameter.key)")
                if let fallback = parameter.defaultValue {
                    #expect(
                        (try? parameter.kind.parse(fallback, name: parameter.key).get()) != nil,
                        "\(spec.name) \(parameter.key) default")
                }
            }
        }
        for required in [
            "load", "tables", "history", "use", "sql", "head", "tail", "columns", "save", "export", "describe",
            "counts", "corr", "hist", "label", "keep", "drop", "dropna", "fillna", "help", "state", "format",
            "timer", "source", "reset", "quit", "exit",
        ] {
            #expect(CommandTable.spec(named: required) != nil, "\(required)")
        }
    }

    /// Whether `type` reads what `kind` yields: the kind's type, or for fixed words an enum of exactly those words.
    static func reads(_ type: any ArgumentType.Type, _ kind: ValueKind, variadic: Bool) -> Bool {
        if case .constrained(.choice(let words)) = kind, let choice = type as? any ArgumentChoice.Type {
            return choice.words == words
        }
        return readType(of: kind, variadic: variadic).map { $0 == type } ?? false
    }

    /// The Swift type a kind's parsed values have, nil when a kind yields several.
    static func readType(of kind: ValueKind, variadic: Bool) -> (any ArgumentType.Type)? {
        if variadic || kind.isList { return [String].self }
        switch kind {
        case .text, .path, .table, .column, .command, .constrained(.choice): return String.self
        case .constrained(.int): return Int.self
        case .constrained(.real): return Double.self
        case .constrained(.bool): return Bool.self
        case .constrained, .columns, .values: return nil
        }
    }

    @Test("every declared argument reads the type its kind yields; a command declares each name once")
    func declarationsMatchKinds() {
        for spec in CommandTable.all {
            for positional in spec.positionals {
                let expected = Self.readType(of: positional.kind, variadic: positional.isVariadic)
                #expect(
                    Self.reads(positional.valueType, positional.kind, variadic: positional.isVariadic),
                    "\(spec.name) <\(positional.name)>: read as \(positional.valueType), its kind yields \(expected.map { "\($0)" } ?? "several types")"
                )
            }
            for parameter in spec.parameters {
                let expected = Self.readType(of: parameter.kind, variadic: false)
                #expect(
                    Self.reads(parameter.valueType, parameter.kind, variadic: false),
                    "\(spec.name) \(parameter.key)=: read as \(parameter.valueType), its kind yields \(expected.map { "\($0)" } ?? "several types")"
                )
            }
            // Positionals and parameters keep their values under one name each.
            let names = spec.positionals.map(\.name) + spec.parameters.map(\.key)
            #expect(Set(names).count == names.count, "\(spec.name) declares a name twice: \(names)")
        }
    }

    @Test("a declaration's default is what the handler reads when the argument is left out, and help shows it")
    func defaultsComeFromDeclarations() throws {
        let pca = try #require(CommandTable.spec(named: "pca"))
        #expect(pca.parameter("var")?.defaultValue == "0.999")
        #expect(pca.parameter("k")?.defaultValue == nil)
        let arguments = try Self.bind("pca k=3", as: ModellingCommands.PCAArguments.self)
        #expect(arguments.components == 3)
        #expect(arguments.variance == ModellingCommands.notebookVariance)
        #expect(!arguments.has(\.variance) && arguments.has(\.components))
        let written = try Self.bind("pca var=0.95", as: ModellingCommands.PCAArguments.self)
        #expect(written.variance == 0.95 && written.components == nil)
        #expect(Reference.text(for: pca).contains("(default: 0.999)"))
    }

    @Test("two commands may declare the same name with different types: each reads its own")
    func namesArePerCommand() throws {
        let lineage = try Self.bind("lineage m @champion", as: RegistryCommands.LineageArguments.self)
        #expect(lineage.version == "@champion")
        let shap = try Self.bind("shap plate 42", as: ExplanationCommands.ShapArguments.self)
        #expect(shap.subject == "42" && shap.top == 10)
        let whatif = try Self.bind(
            "whatif plate 7 Length_of_Conveyer=1400", as: ExplanationCommands.WhatIfArguments.self)
        #expect(whatif.plate == 7)
    }

    @Test("an engine error a handler lets through points at the argument whose value it quotes, else the command")
    func engineErrorRanges() throws {
        func range(_ text: String, _ message: String, position: Int? = nil) throws -> String {
            let syntax = try #require(try Parser.parse(text).get().first)
            let spec = try CommandTable.lookup(syntax.verb)
            let context = CommandContext(origin: .commandLine, text: text, started: 0)
            let invocation = try Invocation.bind(syntax, to: spec, context: context).get()
            let found = invocation.range(of: EngineError(.invalidArgument, message, position: position))
            return String(decoding: Array(text.utf8)[found], as: UTF8.self)
        }
        #expect(try range("hist Nope bins=5", "unknown column 'Nope'") == "Nope")
        #expect(try range("runs experiment=nope top=3", "no experiment named 'nope'") == "nope")
        #expect(try range("hist Nope bins=5", "no rows") == "hist Nope bins=5", "nothing quoted: the command")
        #expect(
            try range("keep A in A", "unknown column 'A'") == "keep A in A", "two arguments say A: the command")
        #expect(try range("sql select x from t", "no column x", position: 7) == "x")
    }

    /// Binds `text` (one command) to its row and reads it through `Declared`.
    static func bind<Declared: CommandArguments>(_ text: String, as _: Declared.Type) throws -> Arguments<Declared> {
        let syntax = try #require(try Parser.parse(text).get().first)
        let spec = try CommandTable.lookup(syntax.verb)
        let context = CommandContext(origin: .commandLine, text: text, started: 0)
        return Arguments(try Invocation.bind(syntax, to: spec, context: context).get())
    }

    @Test("help texts read as prose: no doubled spaces, no space before a full stop, no trailing space")
    func helpTexts() {
        for spec in CommandTable.all {
            let texts = [spec.summary, spec.help] + spec.parameters.map(\.help) + spec.positionals.map(\.help)
            for text in texts {
                #expect(!text.contains("  "), "\(spec.name): doubled spaces in \(text.debugDescription)")
                #expect(
                    text.range(of: #" \.(\s|$)"#, options: .regularExpression) == nil,
                    "\(spec.name): a space before a full stop in \(text.debugDescription)")
                #expect(
                    text == text.trimmingCharacters(in: .whitespacesAndNewlines),
                    "\(spec.name): leading or trailing space in \(text.debugDescription)")
            }
        }
    }

    @Test("usage lines come from the declarations")
    func usage() {
        #expect(
            CommandTable.spec(named: "load")?.usage
                == "load <path> [as <table>] [mode=overwrite|append] [sep=<char>] [header=true|false] [text=<columns>] [na=<values>]"
        )
        #expect(CommandTable.spec(named: "hist")?.usage == "hist <column> [bins=<int>]")
        #expect(CommandTable.spec(named: "describe")?.usage == "describe [<columns>...]")
    }

    @Test("a unique prefix names a command; an ambiguous one lists the candidates")
    func prefixes() {
        #expect(CommandTable.spec(named: "desc")?.name == "describe")
        #expect(CommandTable.spec(named: "EXIT")?.name == "quit")
        #expect(CommandTable.spec(named: "h") == nil)
        #expect(throws: Diagnostic.self) {
            try CommandTable.lookup(Token(kind: .word, text: "hi", range: 0..<2, keyLength: nil))
        }
    }

    @Test("prefixes run commands at the interactive prompt only; elsewhere a prefix gets did-you-mean")
    func prefixesOutsideThePrompt() throws {
        let des = Token(kind: .word, text: "des", range: 0..<3, keyLength: nil)
        #expect(try CommandTable.lookup(des, prefixes: true).name == "describe")
        do {
            _ = try CommandTable.lookup(des, prefixes: false)
            Issue.record("a prefix ran outside the prompt")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.message == "unknown command 'des'" && diagnostic.suggestions == ["describe"])
            #expect(diagnostic.hint?.contains("prefixes work at the interactive prompt only") == true)
        }
        let full = Token(kind: .word, text: "DESCRIBE", range: 0..<8, keyLength: nil)
        #expect(try CommandTable.lookup(full, prefixes: false).name == "describe")
        #expect(Origin.console.acceptsPrefixes)
        #expect(
            ![Origin.commandLine, .script(path: "a.plsh", line: 1), .cell(number: 1, line: 1)].contains {
                $0.acceptsPrefixes
            })
    }

    @Test("docs/REFERENCE.md is the reference the command table writes")
    func documentedReference() throws {
        let document = try String(
            contentsOf: packageRoot.appendingPathComponent("docs/REFERENCE.md"), encoding: .utf8)
        let start = try #require(document.range(of: "<!-- reference:start -->\n"))
        let end = try #require(document.range(of: "<!-- reference:end -->"))
        #expect(
            String(document[start.upperBound..<end.lowerBound]) == Reference.markdown(),
            "docs/REFERENCE.md is out of date: run scripts/update-reference")
    }
}
