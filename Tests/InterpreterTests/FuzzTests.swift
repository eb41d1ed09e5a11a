import Engine
import TestSupport
import Testing

@testable import Interpreter

@Suite("Adversarial input")
struct FuzzTests {
    /// A deterministic generator (SplitMix64), so a failing line can be reproduced.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pieces = [
        "load", "use", "sql", "describe", "counts", "corr", "hist", "label", "keep", "drop", "dropna", "fillna",
        "head", "tail", "save", "export", "history", "help", "state", "format", "timer", "source", "reset", "columns",
        "tables", "as", "in", "fsp.faults", "fsp.x", "Label", "Pixels_Areas", "top=3", "by=Label",
        "exclude=Other_Faults",
        "onehot=Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults", "bins=0", "bins=99999999999999999999",
        "k=-1", "version=2", "mode=append", "sep=;", "header=maybe", "\"", "'", "\"\"", "\\", "\\\n", ";", "#", "##",
        "=", "==", "a=b=c", ",", ",,,", "select", "from", "where", "'; drop table x; --", "(", ")", "*", "1e309",
        "-0", "NaN", "../../x", "~", "\u{0}", "\u{1B}[2J", "\u{7F}", "é", "日本", "🙂",
        "\u{202E}", "median", "json", "on", "off",
    ]

    @Test("thousands of random and adversarial lines each end in a result or a diagnostic, never an internal error")
    func randomLines() throws {
        let shell = Harness()
        shell.run("load \(realDataPath) as fsp.faults")
        let pieces = Self.pieces + [shell.directory.path + "/out.csv", shell.directory.path + "/"]
        var random = SplitMix(state: 20_261_129)
        var internalErrors: [String] = []
        for index in 0..<3000 {
            let count = Int.random(in: 0...7, using: &random)
            var words = (0..<count).map { _ in pieces.randomElement(using: &random)! }
            if index % 5 == 0 {
                words.append(
                    String(
                        (0..<Int.random(in: 1...40, using: &random)).map { _ in
                            Character(Unicode.Scalar(UInt8.random(in: 0...127, using: &random)))
                        }))
            }
            let line = words.joined(separator: Bool.random(using: &random) ? " " : "")
            if line.contains("quit") || line.contains("exit") { continue }
            shell.output.removeAll()
            _ = shell.session.execute(line, origin: .console)
            #expect(
                !shell.output.outcomes.isEmpty || (try? Parser.parse(line).get())?.isEmpty == true,
                "no outcome for \(line.debugDescription)")
            for failure in shell.output.failures where failure.layer == .internal {
                internalErrors.append("\(line.debugDescription): \(failure.message)")
            }
            let renderer = OutputRenderer(
                format: [.table, .json, .csv, .markdown][index % 4], color: index % 2 == 0, width: 40 + index % 100)
            for outcome in shell.output.outcomes { _ = renderer.render(outcome) }
        }
        #expect(internalErrors.isEmpty, "\(internalErrors.prefix(5))")
        let versions = try shell.session.store().versions(of: try TableName(parsing: "fsp.faults"))
        #expect(try shell.session.store().read(versions[0]).rowCount == 1941, "the first version survives")
    }
}
