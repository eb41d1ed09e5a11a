import Engine

/// Charts drawn with Unicode block characters: horizontal bars with eighth-block precision, and a
/// heatmap coloured blue (−1) through white to red (+1), or shaded when colour is off.
struct TerminalChart {
    let width: Int
    let color: Bool

    /// The widest a bar may be, in terminal columns.
    static let barLimit = 40

    func render(_ chart: Chart) -> String {
        switch chart {
        case .bars(_, let title, let labels, let values, let notes):
            return bars(title: title, labels: labels, values: values, notes: notes)
        case .heatmap(_, let title, let labels, let values):
            return heatmap(title: title, labels: labels, values: values)
        case .signedBars(_, let title, let labels, let values):
            return signedBars(title: title, labels: labels, values: values)
        }
    }

    /// Negative values to the left of the centre line (blue), positive to the right (red).
    private func signedBars(title: String?, labels: [String], values: [Double]) -> String {
        var lines: [String] = title.map { [$0] } ?? []
        let labelWidth = min(40, labels.map(ValueFormatting.width).max() ?? 0)
        let half = max(8, min(Self.barLimit / 2, (width - labelWidth - 16) / 2))
        let largest = max(values.map(abs).max() ?? 0, 1e-300)
        for (label, value) in zip(labels, values) {
            let cells = Int((abs(value) / largest * Double(half)).rounded())
            let bar = String(repeating: "█", count: cells)
            let left =
                value < 0
                ? String(repeating: " ", count: half - cells) + paint(bar, "34") : String(repeating: " ", count: half)
            let right =
                value > 0
                ? paint(bar, "31") + String(repeating: " ", count: half - cells) : String(repeating: " ", count: half)
            lines.append(
                fit(ValueFormatting.printable(label), labelWidth) + " " + left + "│" + right + " "
                    + String(format: "%+.4f", value))
        }
        return lines.joined(separator: "\n")
    }

    private func bars(title: String?, labels: [String], values: [Double], notes: [String]) -> String {
        var lines: [String] = title.map { [$0] } ?? []
        let labelWidth = min(28, labels.map(ValueFormatting.width).max() ?? 0)
        let valueTexts = values.map(ValueFormatting.real)
        let valueWidth = valueTexts.map(\.count).max() ?? 0
        let room = max(10, min(Self.barLimit, width - labelWidth - valueWidth - 4 - (notes.map(\.count).max() ?? 0)))
        let largest = values.map(abs).max() ?? 0
        for (index, label) in labels.enumerated() {
            let eighths = largest > 0 ? Int((abs(values[index]) / largest * Double(room * 8)).rounded()) : 0
            var bar = String(repeating: "█", count: eighths / 8)
            if eighths % 8 > 0 { bar += String(Array("▏▎▍▌▋▊▉")[eighths % 8 - 1]) }
            let paddedBar = bar + String(repeating: " ", count: max(0, room - bar.count))
            let name = fit(ValueFormatting.printable(label), labelWidth)
            let value = String(repeating: " ", count: valueWidth - valueTexts[index].count) + valueTexts[index]
            let note = index < notes.count ? "  " + notes[index] : ""
            lines.append("\(name) \(paint(paddedBar, "36")) \(value)\(note)")
        }
        return lines.joined(separator: "\n")
    }

    private func heatmap(title: String?, labels: [String], values: [[Double]]) -> String {
        var lines: [String] = title.map { [$0] } ?? []
        let labelWidth = min(24, labels.map(ValueFormatting.width).max() ?? 0)
        let numbers = labels.indices.map { String($0 + 1) }
        let indexWidth = String(labels.count).count
        let header =
            String(repeating: " ", count: labelWidth + indexWidth + 2)
            + labels.indices.map { String(($0 + 1) % 10) + " " }.joined()
        lines.append(header)
        for (i, label) in labels.enumerated() {
            var line =
                fit(ValueFormatting.printable(label), labelWidth) + " "
                + String(repeating: " ", count: indexWidth - numbers[i].count) + numbers[i] + " "
            for r in values[i] { line += cell(r) }
            lines.append(line)
        }
        lines.append(
            color
                ? "scale: "
                    + [-1, -0.5, 0, 0.5, 1].map { cell($0) + " \(ValueFormatting.real($0))" }.joined(separator: "  ")
                : "scale: r ≥ 0.8 █  ≥ 0.6 ▓  ≥ 0.4 ▒  ≥ 0.2 ░;  r ≤ −0.8 =  ≤ −0.6 -  ≤ −0.4 :  ≤ −0.2 .")
        return lines.joined(separator: "\n")
    }

    private func cell(_ r: Double) -> String {
        guard !r.isNaN else { return "  " }
        if color {
            let (red, green, blue) = Self.diverging(r)
            return "\u{1B}[48;2;\(red);\(green);\(blue)m  \u{1B}[0m"
        }
        let level = min(4, Int(abs(r) * 5))
        let glyph = r >= 0 ? Array(" ░▒▓█")[level] : Array(" .:-=")[level]
        return String(repeating: glyph, count: 2)
    }

    /// Blue (−1) to white (0) to red (+1).
    static func diverging(_ r: Double) -> (Int, Int, Int) {
        let t = max(-1, min(1, r))
        let fade = Int((1 - abs(t)) * 255)
        return t >= 0 ? (255, fade, fade) : (fade, fade, 255)
    }

    private func fit(_ text: String, _ width: Int) -> String {
        var out = ""
        for character in text {
            if ValueFormatting.width(out + String(character)) > width { break }
            out.append(character)
        }
        return out + String(repeating: " ", count: max(0, width - ValueFormatting.width(out)))
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
