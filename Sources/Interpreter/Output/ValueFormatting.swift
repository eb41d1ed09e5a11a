import Engine
import Foundation

/// How cells read in text tables: integers as they are; reals with seven significant digits
/// (scientific notation only for very large or very small magnitudes); missing as empty.
enum ValueFormatting {
    static func display(_ value: Value) -> String {
        switch value {
        case .real(let v): return real(v)
        default: return value.displayText
        }
    }

    static func real(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        if v == 0 { return "0" }
        let magnitude = abs(v)
        if magnitude >= 1e15 || magnitude < 1e-4 { return String(format: "%.4e", v) }
        let integerDigits = Int(floor(log10(magnitude))) + 1
        let decimals = max(0, min(10, 7 - integerDigits))
        var text = String(format: "%.\(decimals)f", v)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// Whether a column reads better right-aligned (all its present cells are numbers).
    static func isNumeric(_ rows: [[Value]], column: Int) -> Bool {
        var sawNumber = false
        for row in rows {
            switch row[column] {
            case .integer, .real: sawNumber = true
            case .missing: continue
            case .text: return false
            }
        }
        return sawNumber
    }

    /// The width of text in terminal columns (East Asian wide characters count two).
    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let v = scalar.value
            if v < 32 || (0x300...0x36F).contains(v) { return total }
            if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) || (0x1F300...0x1FAFF).contains(v)
            {
                return total + 2
            }
            return total + 1
        }
    }

    /// Text made safe for a terminal: control characters become `?`, line breaks `↵`.
    static func printable(_ text: String) -> String {
        guard
            text.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 || (0x80...0x9F).contains($0.value) }
            )
        else {
            return text
        }
        return String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar -> Unicode.Scalar in
                    if scalar == "\n" { return "↵" }
                    if scalar.value < 32 || scalar.value == 127 || (0x80...0x9F).contains(scalar.value) { return "?" }
                    return scalar
                }))
    }
}

extension ValueFormatting {
    /// A timestamp in ms since the epoch as `yyyy-MM-dd HH:mm:ss` UTC.
    static func time(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
