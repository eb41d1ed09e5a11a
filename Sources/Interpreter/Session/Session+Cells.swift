extension Session {
    /// Runs a notebook cell as a `.plsh` fragment: `##` narration is shown, comments and blank
    /// lines are skipped, commands run in order (an entry may span lines by the script rules) and
    /// the cell stops at its first error, or at an interrupt (one sent between cells is
    /// forgotten when the next starts). Diagnostics name the cell and line: `In[3]:2:8: error: …`.
    ///
    /// - Parameters:
    ///   - text: the cell's source.
    ///   - number: the kernel's execution count for this cell.
    /// - Returns: `.ok`, `.quit`, or `.failed` with the layer of the error.
    @discardableResult
    public func runCell(_ text: String, number: Int) -> Status {
        cancellation.reset()
        for entry in ScriptReader.entries(of: text) {
            switch entry {
            case .narration(let narration, let line):
                output.deliver(.narration(narration, origin: .cell(number: number, line: line)))
            case .command(let command, let line):
                let status = execute(command, origin: .cell(number: number, line: line))
                if status != .ok { return status }
            }
        }
        return .ok
    }
}
