import Engine

extension Workspace {
    /// Writes `figure` as `artifacts/plots/FILE.png` and `.svg` and returns the block that shows it.
    ///
    /// - Parameters:
    ///   - name: the block's stable name (`pareto`, `histogram`, `correlation`).
    ///   - file: the file name without extension; characters a file name should not hold become `_`.
    /// - Throws: `EngineError.io` when the files cannot be written.
    func drawChart(_ figure: Figure, name: String, file: String) throws -> OutputBlock {
        let safe = String(file.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
        let paths = try figure.write(to: layout.plotsDirectory + "/" + safe)
        return .image(ImageBlock(name: name, title: figure.title, paths: paths))
    }
}

extension ImageBlock {
    /// The block for a chart `Figure.write(to:)` wrote: its PNG path first, then its SVG path.
    init(name: String, title: String, paths: [String]) {
        self.init(name: name, title: title, png: paths[0], svg: paths.count > 1 ? paths[1] : nil)
    }
}
