import Testing

@testable import Interpreter

@Suite("Lexer, parser and script reader")
struct SyntaxTests {
    private func commands(_ text: String) throws -> [CommandSyntax] { try Parser.parse(text).get() }

    @Test("words, quoted strings and key=value keep their text and ranges")
    func tokens() throws {
        let (tokens, error) = Lexer.tokenize(
            #"load "my file.csv" as fsp.faults sep=; description="two \"words\"" # a comment"#)
        #expect(error == nil)
        #expect(
            tokens.map(\.text) == ["load", "my file.csv", "as", "fsp.faults", "sep=", ";", "description=two \"words\""])
        #expect(tokens[1].kind == .quoted && tokens[1].range == 5..<18)
        #expect(tokens[4].key == "sep" && tokens[4].value == "")
        #expect(tokens[6].key == "description" && tokens[6].value == "two \"words\"")
        #expect(tokens[6].valueRange == 51..<66)
        #expect(Lexer.tokenize("path/a=b.csv").tokens[0].key == nil, "a key must be an identifier")
        #expect(Lexer.tokenize("'it''s'").tokens.map(\.text) == ["its"])
    }

    @Test("an unterminated string is an error spanning to the end")
    func unterminated() {
        let (_, error) = Lexer.tokenize(#"describe "Pixels"#)
        #expect(error == Lexer.LexError(message: "this string has no closing \"", range: 9..<16))
    }

    @Test("';' splits commands; sql takes its text verbatim up to a ';' outside quotes")
    func commandSplitting() throws {
        let parsed = try commands("head 3; sql select ';' as x, \"a;b\" from t; describe")
        #expect(parsed.map(\.verb.text) == ["head", "sql", "describe"])
        #expect(parsed[1].query?.text == "select ';' as x, \"a;b\" from t")
        #expect(parsed[1].query?.offset == 12)
        #expect(try commands("   # only a comment").isEmpty)
    }

    @Test("completeness: open quotes, trailing backslash, and sql awaiting more")
    func completeness() {
        #expect(Parser.completeness(of: "describe") == .complete)
        #expect(Parser.completeness(of: #"load "a b"#) == .incomplete)
        #expect(Parser.completeness(of: "load data.csv \\") == .incomplete)
        #expect(Parser.completeness(of: "sql select count(*) from fsp.faults") == .complete)
        #expect(Parser.completeness(of: "sql") == .incomplete)
        #expect(Parser.completeness(of: "sql\n select 1") == .incomplete, "a bare sql line waits for ';'")
        #expect(Parser.completeness(of: "sql\n select 1;") == .complete)
        #expect(Parser.completeness(of: "sql select") == .incomplete)
        #expect(Parser.completeness(of: "sql select a,") == .incomplete)
        #expect(Parser.completeness(of: "sql select (1 + ") == .incomplete)
        #expect(Parser.completeness(of: "sql select a from t where") == .incomplete)
        #expect(Parser.completeness(of: "sql select 'it''s") == .incomplete)
    }

    @Test("a script splits into narration blocks and whole command entries with their lines")
    func scriptReader() {
        let script = """
            ## # Title
            ## more
            # a comment

            load x.csv \\
              as fsp.x
            sql
              select 1
              from t;
            ## after
            describe
            """
        #expect(
            ScriptReader.entries(of: script) == [
                .narration(text: "# Title\nmore", line: 1),
                .command(text: "load x.csv \\\n  as fsp.x", line: 5),
                .command(text: "sql\n  select 1\n  from t;", line: 7),
                .narration(text: "after", line: 10),
                .command(text: "describe", line: 11),
            ])
    }
}
