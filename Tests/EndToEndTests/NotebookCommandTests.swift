import Foundation
import TestSupport
import Testing

/// The binary's notebook side: convert, run --export, the kernel's command line, teaching mode.
@Suite("End to end: notebooks, the kernel's command line, teaching mode")
struct NotebookCommandTests {
    @Test("convert: .plsh → .ipynb → .plsh gives the script back; bad input is refused clearly")
    func convert() throws {
        let directory = TemporaryDirectory()
        let script = directory.file(
            "n.plsh", "## # Title\n## Text.\n\nload data/faults.csv as fsp.faults\ntables\n\nhead 2\n")
        let toNotebook = try BinaryRunner.run(["convert", script, "--to", "ipynb"], in: directory.path)
        #expect(toNotebook.status == 0 && toNotebook.standardOutput == "wrote \(directory.path)/n.ipynb\n")
        let notebook = try String(contentsOfFile: directory.path + "/n.ipynb", encoding: .utf8)
        #expect(notebook.contains("\"cell_type\":\"markdown\"") && notebook.contains("\"nbformat\":4"))
        let back = try BinaryRunner.run(["convert", "n.ipynb", "--to", "plsh", "-o", "back.plsh"], in: directory.path)
        #expect(back.status == 0)
        #expect(
            try String(contentsOfFile: directory.path + "/back.plsh", encoding: .utf8)
                == "## # Title\n## Text.\n\nload data/faults.csv as fsp.faults\ntables\n\nhead 2\n")
        let same = try BinaryRunner.run(["convert", script, "--to", "plsh"], in: directory.path)
        #expect(same.status == 64 && same.standardError.contains("is already a .plsh file"))
        directory.file("bad.ipynb", "{\"cells\": 3}")
        let bad = try BinaryRunner.run(["convert", "bad.ipynb", "--to", "plsh"], in: directory.path)
        #expect(
            bad.status == 1
                && bad.standardError
                    == "error: bad.ipynb: not a notebook: the document has no 'cells' list\n  hint: an .ipynb file (nbformat 4) was expected\n"
        )
        let missing = try BinaryRunner.run(["convert", "none.plsh", "--to", "ipynb"], in: directory.path)
        #expect(missing.status == 1 && missing.standardError == "error: cannot read none.plsh: no such file\n")
    }

    @Test("run --export writes the replay as a notebook with its outputs and as one HTML page")
    func export() throws {
        let directory = try BinaryRunner.projectDirectory()
        let script = directory.file(
            "n.plsh", "## # Exported\n\nload data/faults.csv as fsp.faults\n\ncounts TypeOfSteel_A300\n")
        let result = try BinaryRunner.run(
            ["--workspace", "ws", "run", script, "--export", "out/n.ipynb", "--export", "out/n.html"],
            in: directory.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError == "Exported the replay to out/n.ipynb.\nExported the replay to out/n.html.\n")
        let notebook = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: directory.path + "/out/n.ipynb"))) as? [String: Any])
        let cells = try #require(notebook["cells"] as? [[String: Any]])
        #expect(cells.map { $0["cell_type"] as? String } == ["markdown", "code", "code"])
        let outputs = try #require(cells[2]["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["output_type"] as? String } == ["execute_result", "display_data"])
        #expect((outputs[1]["data"] as? [String: Any])?["image/png"] != nil)
        let html = try String(contentsOfFile: directory.path + "/out/n.html", encoding: .utf8)
        #expect(
            html.hasPrefix("<!DOCTYPE html>") && html.contains("<title>Exported</title>")
                && html.contains("data:image/png;base64,"))
        let wrong = try BinaryRunner.run(["run", script, "--export", "out/n.pdf"], in: directory.path)
        #expect(
            wrong.status == 64
                && wrong.standardError.contains("--export writes FILE.ipynb or FILE.html; got 'out/n.pdf'"))
    }

    @Test("the kernel refuses a bad connection file with the reason, and installs its kernelspec")
    func kernelCommandLine() throws {
        let directory = TemporaryDirectory()
        let missing = try BinaryRunner.run(["kernel", "-f", "nope.json"], in: directory.path)
        #expect(missing.status == 1 && missing.standardError == "error: connection file nope.json: no such file\n")
        directory.file("bad.json", "{\"ip\": \"127.0.0.1\", \"shell_port\": 1}")
        let bad = try BinaryRunner.run(["kernel", "-f", "bad.json"], in: directory.path)
        #expect(
            bad.status == 1
                && bad.standardError
                    == "error: connection file bad.json: 'iopub_port' is missing or not a port number (1 to 65535)\n"
        )
        let none = try BinaryRunner.run(["kernel"], in: directory.path)
        #expect(none.status == 64 && none.standardError.contains("give the connection file with -f FILE"))
        let install = try BinaryRunner.run(
            ["kernel", "install", "--prefix", "venv", "--name", "ps-test"], in: directory.path)
        #expect(install.status == 0, "\(install.standardError)")
        let spec = try String(
            contentsOfFile: directory.path + "/venv/share/jupyter/kernels/ps-test/kernel.json", encoding: .utf8)
        #expect(spec.contains("\"argv\":[\"\(BinaryRunner.binary)\",\"kernel\",\"-f\",\"{connection_file}\"]"))
        let both = try BinaryRunner.run(["kernel", "install", "--user", "--prefix", "x"], in: directory.path)
        #expect(both.status == 64 && both.standardError.contains("give --user or --prefix, not both"))
    }

    @Test("teaching mode: other lines run as commands in the session, b shows the narration again, the walk goes on")
    func stepTries() throws {
        let directory = try BinaryRunner.projectDirectory()
        let script = directory.file("steps.plsh", "## Step one\nload data/faults.csv as fsp.faults\nhead 1\ncolumns\n")
        let result = try BinaryRunner.run(
            ["--workspace", "ws", "run", "--step", script], in: directory.path,
            input: "\nstate\nb\n:describe Pixels_Areas\nfrobnicate\n\nq\n")
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("Loaded 1941 rows"))
        #expect(result.standardOutput.contains("│ Step one"))
        #expect(
            result.standardOutput.components(separatedBy: "│ Step one").count == 3,
            "b showed the narration a second time")
        #expect(result.standardOutput.contains("fsp.faults v1"), "state ran in the same session")
        #expect(result.standardOutput.contains("Pixels_Areas │"), "describe ran")
        #expect(
            result.standardError.contains("unknown command 'frobnicate'"),
            "a bad tried command is reported and the walk goes on")
        #expect(result.standardOutput.contains("X_Minimum"), "head 1 ran after the tries")
        #expect(
            result.standardOutput.components(separatedBy: "[\(script):3] head 1").count == 6,
            "the pause stayed at head 1 while trying")
        #expect(!result.standardOutput.contains("│ integer"), "q stopped before columns")
    }
}
