import Foundation
import MLCore

extension Charts {
    /// Each feature's population stability index as a horizontal bar, largest first; bars of
    /// drifted features in red, a dashed line at the PSI threshold.
    ///
    /// - Parameters:
    ///   - features: the features, in the order drawn (top to bottom).
    ///   - psi: each feature's PSI.
    ///   - drifted: whether each feature was found drifted (by PSI or by its KS p-value).
    ///   - threshold: the PSI above which a feature counts as drifted.
    public static func driftPSI(
        features: [String], psi: [Double], drifted: [Bool], threshold: Double, title: String
    ) -> Figure {
        let row = 24.0
        let top = 70.0
        let left = 230.0
        let right = 820.0
        let bottom = top + row * Double(features.count)
        return Figure(width: 900, height: bottom + 60, title: title) { p in
            p.text(title, 450, 32, size: 18, align: .center, bold: true)
            let high = max(psi.max() ?? 0, threshold * 1.25, 1e-12)
            let scale = (right - left) / high
            for (i, feature) in features.enumerated() {
                let y = top + Double(i) * row
                p.fill(left, y + 3, max(psi[i], 0) * scale, row - 6, drifted[i] ? .red : .blue)
                p.text(feature, left - 10, y + row / 2 + 5, size: 12, align: .right)
                p.text(String(format: "%.3f", psi[i]), left + max(psi[i], 0) * scale + 6, y + row / 2 + 5, size: 11)
            }
            let x = left + threshold * scale
            var y = top
            while y < bottom {
                p.stroke([(x, y), (x, min(y + 6, bottom))], .orange, width: 1.5)
                y += 10
            }
            p.text(String(format: "threshold %.2f", threshold), x, top - 8, size: 11, .orange, align: .center)
            p.stroke([(left, top), (left, bottom)], .black)
            p.text(
                "population stability index (baseline deciles); red: drifted by PSI or KS", (left + right) / 2,
                bottom + 35, size: 13, align: .center)
        }
    }

    /// The baseline's and the current rows' shares in each quantile bin, side by side, one panel
    /// per feature (the most drifted ones): the distributions overlaid on the bins PSI reads.
    ///
    /// - Parameters:
    ///   - features: each panel's feature, its cut points (one fewer than its bins) and each
    ///     side's share per bin.
    public static func driftDistributions(
        _ features: [(name: String, cuts: [Double], baseline: [Double], current: [Double])], title: String
    ) -> Figure {
        let panelWidth = 380.0
        let top = 120.0
        let bottom = 400.0
        let width = 60 + panelWidth * Double(max(features.count, 1))
        return Figure(width: width, height: 470, title: title) { p in
            p.text(title, width / 2, 32, size: 18, align: .center, bold: true)
            legend(p, x: 40, y: 46, entries: [("baseline (training)", .blue), ("monitored rows", .orange)])
            for (index, feature) in features.enumerated() {
                let left = 60 + Double(index) * panelWidth
                let right = left + panelWidth - 50
                let highest = max((feature.baseline + feature.current).max() ?? 1, 1e-12)
                axes(p, left: left, right: right, top: top, bottom: bottom, ticks: 4) {
                    String(format: "%.0f%%", $0 * highest * 100)
                }
                let slot = (right - left) / Double(max(feature.baseline.count, 1))
                for bin in feature.baseline.indices {
                    let x = left + Double(bin) * slot
                    let base = feature.baseline[bin] / highest * (bottom - top)
                    let now = feature.current[bin] / highest * (bottom - top)
                    p.fill(x + slot * 0.1, bottom - base, slot * 0.4, base, .blue)
                    p.fill(x + slot * 0.5, bottom - now, slot * 0.4, now, .orange)
                    let label = bin < feature.cuts.count ? String(format: "≤%.4g", feature.cuts[bin]) : "more"
                    p.text(label, x + slot / 2 + 4, bottom + 12, size: 10, align: .right, rotation: -Double.pi / 4)
                }
                p.text(feature.name, (left + right) / 2, top - 10, size: 13, align: .center, bold: true)
            }
        }
    }
}
