import Engine
import TestSupport

/// A directory holding one chart PNG (large enough to need several kitty chunks).
struct TemporaryDirectoryForPNG {
    let directory = TemporaryDirectory()
    let png: String

    init() {
        png = try! Charts.pareto(
            labels: ["Bumps", "K_Scatch", "Z_Scratch"], counts: [402, 391, 190],
            cumulativePercent: [40.9, 80.7, 100], title: "Label"
        ).write(to: directory.path + "/pareto")[0]
    }
}
