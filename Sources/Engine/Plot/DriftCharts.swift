import Foundation

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
}
