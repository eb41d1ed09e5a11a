import Engine
import Foundation

extension ModellingCommands {
    static let plotRows: [CommandSpec] = [
        CommandSpec(
            "plot", category: .modeling,
            summary: "Draw the PCA variance, a confusion matrix or the leaderboard to PNG and SVG.",
            help: """
                Writes the chart as PNG and SVG under the workspace's artifacts/plots/ (or file=BASE, without extension) \
                and prints the paths: 'plot pca' after pca, 'plot confusion' after evaluate, 'plot compare' after compare.
                """,
            examples: ["plot pca", "plot confusion", "plot compare file=leaderboard"],
            handler: run { try $0.plot($1) })
    ]

    struct PlotArguments: CommandArguments {
        let chart = Positional<Chart>("chart", .choice(of: Chart.self), help: "which chart")
        let file = Parameter<String?>(
            "file", .path, help: "where to write, without extension (default: artifacts/plots/CHART)")
    }

    func plot(_ arguments: Arguments<PlotArguments>) throws -> CommandOutput {
        let chart = arguments.chart
        let figure: Figure
        switch chart {
        case .pca:
            guard let pca = modeling.state.lastPCA else {
                throw EngineError(.invalidArgument, "no PCA to draw yet", hint: "run pca first (pca var=0.999)")
            }
            figure = Charts.pcaVariance(
                ratios: pca.fitted.explainedVarianceRatio, kept: pca.fitted.keptComponents,
                title: "PCA: explained variance of \(pca.features.count) features")
        case .confusion:
            guard let evaluation = modeling.state.lastEvaluation else {
                throw EngineError(.invalidArgument, "no evaluation to draw yet", hint: "run evaluate first")
            }
            figure = Charts.confusion(
                evaluation.confusion.counts, classes: evaluation.classes, title: "Confusion matrix: \(evaluation.model)"
            )
        case .compare:
            guard !modeling.state.leaderboard.isEmpty else {
                throw EngineError(.invalidArgument, "no leaderboard to draw yet", hint: "run compare first")
            }
            let metric = modeling.state.leaderboardMetric
            figure = Charts.leaderboard(
                models: modeling.state.leaderboard.map(\.kind),
                values: modeling.state.leaderboard.map { $0.mean.value(metric) ?? 0 }, metric: metric,
                title: "Cross-validated \(metric) by model")
        }
        let base = arguments.file ?? modeling.workspace.layout.plotsDirectory + "/" + chart.rawValue
        let paths = try arguments.at(\.file) { try figure.write(to: base) }
        var output = CommandOutput(command: "plot")
        output.blocks.append(.fields(name: "files", [Field("png", .text(paths[0])), Field("svg", .text(paths[1]))]))
        output.blocks.append(.image(ImageBlock(name: chart.rawValue, title: figure.title, paths: paths)))
        return output
    }
}
