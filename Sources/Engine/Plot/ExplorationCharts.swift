import Foundation
import MLCore

extension Charts {
    /// The Pareto chart of `counts`: a bar per value, most frequent first, and the cumulative
    /// percentage as a line on a second axis.
    public static func pareto(labels: [String], counts: [Double], cumulativePercent: [Double], title: String) -> Figure
    {
        let left = 80.0
        let right = 820.0
        let top = 84.0
        let bottom = 420.0
        let slanted = labels.count > 8 || (labels.map(\.count).max() ?? 0) > 10
        return Figure(width: 900, height: slanted ? 580 : 480, title: title) { p in
            p.text(title, 450, 32, size: 18, align: .center, bold: true)
            let highest = max(counts.max() ?? 1, 1)
            axes(p, left: left, right: right, top: top, bottom: bottom, ticks: 5) {
                String(format: "%.0f", $0 * highest)
            }
            for t in 0...4 {
                let y = bottom - Double(t) / 4 * (bottom - top)
                p.text("\(t * 25)%", right + 8, y + 4, size: 11, .orange)
            }
            let slot = (right - left) / Double(max(counts.count, 1))
            var points: [(Double, Double)] = []
            for (i, count) in counts.enumerated() {
                let height = count / highest * (bottom - top)
                let x = left + Double(i) * slot
                p.fill(x + slot * 0.15, bottom - height, slot * 0.7, height, .blue)
                let centre = x + slot / 2
                if slanted {
                    p.text(labels[i], centre + 4, bottom + 14, size: 11, align: .right, rotation: -Double.pi / 4)
                } else {
                    p.text(labels[i], centre, bottom + 18, size: 12, align: .center)
                }
                if i < cumulativePercent.count {
                    points.append((centre, bottom - cumulativePercent[i] / 100 * (bottom - top)))
                }
            }
            p.stroke(points, .orange, width: 2.5)
            for point in points { p.dot(point.0, point.1, radius: 3.5, .orange) }
            p.text("count", 22, (top + bottom) / 2, size: 13, align: .center, rotation: -Double.pi / 2)
            p.fill(left, 52, 14, 14, .blue)
            p.text("count", left + 20, 64, size: 12)
            p.fill(left + 90, 52, 14, 14, .orange)
            p.text("cumulative %", left + 110, 64, size: 12)
        }
    }

    /// A histogram: contiguous bars over equal-width bins, the bin edges on the axis.
    public static func histogram(edges: [Double], counts: [Int], title: String, feature: String) -> Figure {
        let left = 80.0
        let right = 860.0
        let top = 60.0
        let bottom = 420.0
        return Figure(width: 900, height: 500, title: title) { p in
            p.text(title, 450, 32, size: 18, align: .center, bold: true)
            let highest = Double(max(counts.max() ?? 1, 1))
            axes(p, left: left, right: right, top: top, bottom: bottom, ticks: 5) {
                String(format: "%.0f", $0 * highest)
            }
            let slot = (right - left) / Double(max(counts.count, 1))
            for (i, count) in counts.enumerated() {
                let height = Double(count) / highest * (bottom - top)
                p.fill(left + Double(i) * slot + 1, bottom - height, slot - 2, height, .blue)
            }
            let step = max(1, counts.count / 8)
            for i in stride(from: 0, through: counts.count, by: step) where i < edges.count {
                p.text(
                    String(format: "%.4g", edges[i]), left + Double(i) * slot, bottom + 18, size: 11, .grey,
                    align: .center)
            }
            p.text(feature, (left + right) / 2, bottom + 44, size: 13, align: .center)
            p.text("plates", 22, (top + bottom) / 2, size: 13, align: .center, rotation: -Double.pi / 2)
        }
    }

    /// A correlation matrix as coloured cells: blue (−1) through white (0) to red (+1), numbered
    /// rows and columns, the names on the left and a colour scale.
    public static func correlationHeatmap(labels: [String], values: [[Double]], title: String) -> Figure {
        let n = Double(max(labels.count, 1))
        let cell = max(14, min(40, 620 / n))
        let left = 230.0
        let top = 80.0
        let width = left + cell * n + 120
        let height = top + cell * n + 40
        return Figure(width: max(width, 600), height: height, title: title) { p in
            p.text(title, max(width, 600) / 2, 32, size: 18, align: .center, bold: true)
            let size = min(11, cell * 0.6)
            for (i, label) in labels.enumerated() {
                let y = top + Double(i) * cell
                p.text("\(label)  \(i + 1)", left - 6, y + cell / 2 + size / 3, size: size, align: .right)
                p.text("\(i + 1)", left + (Double(i) + 0.5) * cell, top - 8, size: size, .grey, align: .center)
                for (j, r) in values[i].enumerated() {
                    p.fill(left + Double(j) * cell, y, cell - 1, cell - 1, r.isNaN ? .lightGrey : diverging(r))
                }
            }
            let scaleX = left + cell * n + 30
            let scaleTop = top
            let scaleHeight = min(cell * n, 300)
            for step in 0..<50 {
                let r = 1 - Double(step) / 49 * 2
                p.fill(scaleX, scaleTop + Double(step) / 50 * scaleHeight, 18, scaleHeight / 50 + 0.5, diverging(r))
            }
            for (r, label) in [(1.0, "+1"), (0.0, "0"), (-1.0, "−1")] {
                p.text(label, scaleX + 24, scaleTop + (1 - r) / 2 * scaleHeight + 4, size: 11)
            }
        }
    }

    /// Blue (−1) through white (0) to red (+1).
    static func diverging(_ r: Double) -> Color {
        let t = max(-1, min(1, r))
        return t >= 0 ? Color.red.tint(t) : Color.blue.tint(-t)
    }
}
