import ArgumentParser
import Engine
import Foundation

/// `plateshell data ...`: preparing the data set file.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Prepare and check the Steel Plates Faults data file.",
        subcommands: [ConvertUCI.self, Check.self, Inspect.self])

    /// `plateshell data convert-uci`: the UCI archive's two files → one CSV with a header.
    struct ConvertUCI: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert-uci",
            abstract: "Convert the UCI archive (Faults.NNA + Faults27x7_var) to a CSV file with a header.")

        @Option(help: "The whitespace-separated rows (Faults.NNA).") var rows: String
        @Option(help: "The column names, one per line (Faults27x7_var).") var names: String
        @Option(help: "The CSV file to write.") var output: String

        func run() throws {
            do {
                let rowsText = try String(contentsOfFile: rows, encoding: .utf8)
                let namesText = try String(contentsOfFile: names, encoding: .utf8)
                let csv = try UCIFaults.convert(rows: rowsText, names: namesText, rowsPath: rows, namesPath: names)
                try AtomicFile.write(Data(csv.utf8), to: output)
                print("wrote \(output)")
            } catch let error as EngineError {
                throw ValidationError(([error.message] + error.notes).joined(separator: "\n"))
            }
        }
    }

    /// `plateshell data check FILE`: is this the real data set?
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a CSV file is the Steel Plates Faults data set: 1941 rows, 34 columns, the class counts.")

        @Argument(help: "The CSV file.") var file: String

        func run() throws {
            do {
                try UCIFaults.check(CSVReader.readTable(path: file))
                print("\(file): \(UCIFaults.rowCount) rows, \(UCIFaults.columnCount) columns, class counts as expected")
            } catch let error as EngineError {
                FileHandle.standardError.write(
                    Data(
                        (["error: \(error.message)"] + error.notes.map { "  \($0)" }).joined(separator: "\n").utf8 + [
                            10
                        ]))
                throw ExitCode(1)
            }
        }
    }

    /// `plateshell data inspect FILE`: what `load` would make of a CSV file, without storing it.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse a CSV file into memory and show its inferred columns and row count (nothing is stored).")

        @Argument(help: "The CSV file.") var file: String

        func run() throws {
            let started = Date()
            do {
                let table = try CSVReader.readTable(path: file)
                let seconds = Date().timeIntervalSince(started)
                print(
                    "\(file): \(table.rowCount) rows × \(table.columns.count) columns, parsed in \(String(format: "%.3f", seconds)) s"
                )
                for column in table.columns {
                    print("  \(column.name)  \(column.type.rawValue)  \(column.missingCount) missing")
                }
            } catch let error as EngineError {
                FileHandle.standardError.write(
                    Data(
                        (["error: \(error.message)"] + error.notes.map { "  \($0)" }).joined(separator: "\n").utf8 + [
                            10
                        ]))
                throw ExitCode(1)
            }
        }
    }
}
