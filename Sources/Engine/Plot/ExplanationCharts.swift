import Foundation
import MLCore

extension Charts {
    /// SHAP's waterfall for one plate: from the base value, each feature's push (red up, blue
    /// down) to the model's output, biggest first, "feature = value" on the left.
    public static func waterfall(
        base: Double, labels: [String], values: [Double], output: Double, title: String, unit: String
    ) -> Figure {
        let row = 28.0
        let top = 80.0
        let left = 320.0
        let right = 780.0
        let height = top + row * Double(labels.count + 1) + 70
        return Figure(width: 900, height: height, title: title) { p in
            p.text(title, 450, 32, size: 17, align: .center, bold: true)
            var running = base
            var positions: [Double] = [base]
            for v in values {
                running += v
                positions.append(running)
            }
            let low = min(positions.min()!, base)
            let high = max(positions.max()!, base)
            let span = max(high - low, 1e-12)
            func x(_ v: Double) -> Double { left + (v - low) / span * (right - left) }
            running = base
            for (i, (label, value)) in zip(labels, values).enumerated() {
                let y = top + Double(i) * row
                let start = x(running)
                let end = x(running + value)
                p.fill(min(start, end), y + 4, max(abs(end - start), 1.5), row - 8, value >= 0 ? .red : .blue)
                p.text(label, left - 10, y + row / 2 + 5, size: 12, align: .right)
                if value >= 0 {
                    p.text(String(format: "%+.4f", value), max(start, end) + 6, y + row / 2 + 5, size: 11, .grey)
                } else {
                    p.text(
                        String(format: "%+.4f", value), min(start, end) - 6, y + row / 2 + 5, size: 11, .grey,
                        align: .right)
                }
                running += value
            }
            let axisY = top + Double(labels.count) * row + 10
            p.stroke([(left, axisY), (right, axisY)], .black)
            p.stroke([(x(base), top - 8), (x(base), axisY)], .grey, width: 1)
            p.stroke([(x(output), top - 8), (x(output), axisY)], .black, width: 1.5)
            for tick in 0...4 {
                let v = low + Double(tick) / 4 * span
                p.stroke([(x(v), axisY), (x(v), axisY + 5)], .black)
                p.text(String(format: "%.3g", v), x(v), axisY + 18, size: 10, .grey, align: .center)
            }
            p.text(String(format: "base %.4f", base), x(base), top - 14, size: 12, .grey, align: .center)
            p.text(String(format: "output %.4f", output), x(output), top - 30, size: 12, align: .center, bold: true)
            p.text(unit, (left + right) / 2, axisY + 44, size: 12, align: .center)
        }
    }

    /// SHAP's summary ("beeswarm") plot: one row per feature (most important first), a dot per
    /// plate at its SHAP value, coloured by the plate's feature value from low (blue) to high (red),
    /// the colour scale clipped to the 5th–95th percentiles as shap does.
    public static func beeswarm(features: [String], shap: [[Double]], values: [[Double]], title: String, unit: String)
        -> Figure
    {
        let row = 30.0
        let top = 70.0
        let left = 230.0
        let right = 850.0
        let height = top + row * Double(features.count) + 80
        return Figure(width: 900, height: height, title: title) { p in
            p.text(title, 450, 32, size: 17, align: .center, bold: true)
            let all = shap.flatMap { $0 }
            let bound = max(all.map(abs).max() ?? 1, 1e-12)
            func x(_ v: Double) -> Double { left + (v + bound) / (2 * bound) * (right - left) }
            p.stroke([(x(0), top - 10), (x(0), top + row * Double(features.count))], .grey)
            for (i, feature) in features.enumerated() {
                let y = top + Double(i) * row + row / 2
                p.text(feature, left - 10, y + 4, size: 12, align: .right)
                let column = values[i]
                let ranked = column.sorted()
                let low = Quantile.linear(sorted: ranked, 0.05)
                let high = Quantile.linear(sorted: ranked, 0.95)
                var occupancy: [Int: Int] = [:]
                for (j, s) in shap[i].enumerated() {
                    let t = high > low ? min(1, max(0, (column[j] - low) / (high - low))) : 0.5
                    let bucket = Int((x(s) / 3).rounded())
                    let stack = occupancy[bucket, default: 0]
                    occupancy[bucket] = stack + 1
                    let jitter = Double((stack % 9) - 4) * 2.2
                    p.dot(x(s), y + jitter, radius: 2.2, Color(0.15 + 0.75 * t, 0.2, 0.9 - 0.75 * t, 0.75))
                }
            }
            let axisY = top + row * Double(features.count) + 12
            p.stroke([(left, axisY), (right, axisY)], .black)
            for tick in [-bound, -bound / 2, 0, bound / 2, bound] {
                p.text(String(format: "%.3g", tick), x(tick), axisY + 18, size: 11, .grey, align: .center)
            }
            p.text(unit, (left + right) / 2, axisY + 42, size: 12, align: .center)
            p.text("feature value: low", right - 200, 58, size: 11, Color(0.15, 0.2, 0.9))
            p.text("high", right - 60, 58, size: 11, Color(0.9, 0.2, 0.15))
        }
    }

    /// SHAP dependence: the feature's value (x) against its SHAP value (y), one dot per plate.
    public static func dependence(feature: String, values: [Double], shap: [Double], title: String, unit: String)
        -> Figure
    {
        Figure(width: 800, height: 520, title: title) { p in
            let left = 90.0
            let right = 770.0
            let top = 60.0
            let bottom = 440.0
            p.text(title, 400, 32, size: 17, align: .center, bold: true)
            let lowX = values.min() ?? 0
            let highX = max(values.max() ?? 1, lowX + 1e-12)
            let bound = max(shap.map(abs).max() ?? 1, 1e-12)
            func x(_ v: Double) -> Double { left + (v - lowX) / (highX - lowX) * (right - left) }
            func y(_ v: Double) -> Double { bottom - (v + bound) / (2 * bound) * (bottom - top) }
            p.stroke([(left, y(0)), (right, y(0))], .lightGrey)
            p.stroke([(left, top), (left, bottom), (right, bottom)], .black)
            for (value, s) in zip(values, shap) { p.dot(x(value), y(s), radius: 2.5, Color(0.18, 0.42, 0.71, 0.6)) }
            for tick in 0...4 {
                let v = lowX + Double(tick) / 4 * (highX - lowX)
                p.text(String(format: "%.4g", v), x(v), bottom + 18, size: 11, .grey, align: .center)
                let s = -bound + Double(tick) / 2 * bound
                p.text(String(format: "%.3g", s), left - 8, y(s) + 4, size: 11, .grey, align: .right)
            }
            p.text(feature, (left + right) / 2, bottom + 42, size: 13, align: .center)
            p.text(unit, 24, (top + bottom) / 2, size: 12, align: .center, rotation: -Double.pi / 2)
        }
    }
}
