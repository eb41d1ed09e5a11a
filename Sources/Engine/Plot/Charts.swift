import Foundation
import MLCore

/// The shell's charts: PCA explained variance, confusion matrix, and the model leaderboard.
public enum Charts {
    /// Bars for each component's explained variance ratio, a line for the cumulative share, and a
    /// marker after the kept components (the notebook's PCA variance plot).
    public static func pcaVariance(ratios: [Double], kept: Int, title: String) -> Figure {
        Figure(width: 900, height: 520, title: title) { p in
            let left = 70.0
            let right = 870.0
            let top = 60.0
            let bottom = 440.0
            p.text(title, 450, 32, size: 18, align: .center, bold: true)
            axes(p, left: left, right: right, top: top, bottom: bottom, ticks: 5) { "\(Int($0 * 100))%" }
            let slot = (right - left) / Double(max(ratios.count, 1))
            for (i, ratio) in ratios.enumerated() {
                let height = ratio * (bottom - top)
                p.fill(
                    left + Double(i) * slot + slot * 0.15, bottom - height, slot * 0.7, height,
                    i < kept ? .blue : .lightGrey)
                if ratios.count <= 30 || i % 2 == 0 {
                    p.text("\(i + 1)", left + (Double(i) + 0.5) * slot, bottom + 16, size: 10, .black, align: .center)
                }
            }
            var cumulative = 0.0
            let points = ratios.enumerated().map { i, ratio -> (Double, Double) in
                cumulative += ratio
                return (left + (Double(i) + 0.5) * slot, bottom - cumulative * (bottom - top))
            }
            p.stroke(points, .orange, width: 2.5)
            for point in points { p.dot(point.0, point.1, radius: 3, .orange) }
            if kept > 0 && kept < ratios.count {
                let x = left + Double(kept) * slot
                p.stroke([(x, top), (x, bottom)], .red, width: 1.5)
                p.text("\(kept) kept", x + 6, top + 16, size: 12, .red)
            }
            p.text("principal component", (left + right) / 2, bottom + 40, size: 13, align: .center)
            p.text("explained variance", 22, (top + bottom) / 2, size: 13, align: .center, rotation: -Double.pi / 2)
            legend(
                p, x: right - 260, y: top + 150, entries: [("variance ratio (kept)", .blue), ("cumulative", .orange)])
        }
    }

    /// A grid of counts (actual rows, predicted columns), shaded by each row's share.
    public static func confusion(_ counts: [[Int]], classes: [String], title: String) -> Figure {
        let cell = 110.0
        let left = 160.0
        let top = 110.0
        let width = left + cell * Double(classes.count) + 60
        let height = top + cell * Double(classes.count) + 60
        return Figure(width: width, height: height, title: title) { p in
            p.text(title, width / 2, 32, size: 18, align: .center, bold: true)
            p.text("predicted", left + cell * Double(classes.count) / 2, 62, size: 13, align: .center)
            p.text(
                "actual", 24, top + cell * Double(classes.count) / 2, size: 13, align: .center, rotation: -Double.pi / 2
            )
            for (j, name) in classes.enumerated() {
                p.text(name, left + (Double(j) + 0.5) * cell, top - 12, size: 12, align: .center)
            }
            for (i, row) in counts.enumerated() {
                let total = Double(max(row.reduce(0, +), 1))
                p.text(classes[i], left - 10, top + (Double(i) + 0.5) * cell + 4, size: 12, align: .right)
                for (j, count) in row.enumerated() {
                    let share = Double(count) / total
                    let shade =
                        count == 0
                        ? Color.lightGrey.tint(0.5) : (i == j ? Color.blue : Color.red).tint(0.15 + 0.85 * share)
                    p.fill(left + Double(j) * cell, top + Double(i) * cell, cell - 2, cell - 2, shade)
                    p.text(
                        "\(count)", left + (Double(j) + 0.5) * cell, top + (Double(i) + 0.5) * cell + 6, size: 18,
                        share > 0.55 ? .white : .black, align: .center, bold: true)
                }
            }
        }
    }

    /// Horizontal bars of one metric per model, best first, with values.
    public static func leaderboard(models: [String], values: [Double], metric: String, title: String) -> Figure {
        let row = 30.0
        let top = 70.0
        let left = 120.0
        let right = 820.0
        let height = top + row * Double(models.count) + 60
        return Figure(width: 900, height: height, title: title) { p in
            p.text(title, 450, 32, size: 18, align: .center, bold: true)
            let low = min(values.min() ?? 0, 0)
            let high = max(values.max() ?? 1, 1e-12)
            for (i, (model, value)) in zip(models, values).enumerated() {
                let y = top + Double(i) * row
                let width = (value - low) / (high - low) * (right - left)
                p.fill(left, y + 4, width, row - 8, i == 0 ? .orange : .blue)
                p.text(model, left - 10, y + row / 2 + 5, size: 13, align: .right)
                p.text(String(format: "%.4f", value), left + width + 6, y + row / 2 + 5, size: 12)
            }
            p.stroke([(left, top), (left, top + row * Double(models.count))], .black)
            p.text(metric, (left + right) / 2, top + row * Double(models.count) + 35, size: 13, align: .center)
        }
    }

    static func axes(
        _ p: Painter, left: Double, right: Double, top: Double, bottom: Double, ticks: Int,
        label: (Double) -> String
    ) {
        for t in 0...ticks {
            let fraction = Double(t) / Double(ticks)
            let y = bottom - fraction * (bottom - top)
            p.stroke([(left, y), (right, y)], .lightGrey)
            p.text(label(fraction), left - 8, y + 4, size: 11, .grey, align: .right)
        }
        p.stroke([(left, top), (left, bottom), (right, bottom)], .black, width: 1.2)
    }

    static func legend(_ p: Painter, x: Double, y: Double, entries: [(String, Color)]) {
        for (i, entry) in entries.enumerated() {
            p.fill(x, y + Double(i) * 20, 14, 14, entry.1)
            p.text(entry.0, x + 20, y + Double(i) * 20 + 12, size: 12)
        }
    }
}
