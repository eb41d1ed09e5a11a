#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Recognises and converts the numbers in CSV cells, straight from bytes.
///
/// Accepted: an optional sign, digits with an optional fraction, and an optional exponent
/// (`-12`, `0.0498`, `.5`, `1e-3`), with surrounding spaces ignored. Words such as `NaN` or `inf`
/// are text. Decimal conversion is exact (correctly rounded): the fast path is taken only when the
/// digits fit 2^53 and the power of ten is exactly representable; otherwise `strtod` decides.
enum NumberParsing {
    enum Syntax { case integer, real, notNumber }

    /// What kind of number the bytes spell, if any. Integers that overflow 64 bits are reals.
    @inline(__always)
    static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> Syntax {
        if let fast = classifyPlain(bytes) { return fast }
        return classifyGeneral(bytes)
    }

    /// The common shapes without spaces, signs or exponents: `123` and `12.34`; nil for others.
    @inline(__always)
    private static func classifyPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Syntax? {
        let count = bytes.count
        guard count > 0, count <= 18, let base = bytes.baseAddress else { return nil }
        var i = base[0] == UInt8(ascii: "-") && count > 1 ? 1 : 0
        let first = i
        while i < count && base[i] &- 48 < 10 { i += 1 }
        if i == count { return .integer }
        guard i > first, base[i] == UInt8(ascii: ".") else { return nil }
        i += 1
        while i < count && base[i] &- 48 < 10 { i += 1 }
        return i == count ? .real : nil
    }

    private static func classifyGeneral(_ bytes: UnsafeBufferPointer<UInt8>) -> Syntax {
        var (i, end) = trimmed(bytes)
        guard i < end else { return .notNumber }
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
        var integerDigits = 0
        var fractionDigits = 0
        while i < end, isDigit(bytes[i]) {
            i += 1
            integerDigits += 1
        }
        var isReal = false
        if i < end, bytes[i] == UInt8(ascii: ".") {
            isReal = true
            i += 1
            while i < end, isDigit(bytes[i]) {
                i += 1
                fractionDigits += 1
            }
        }
        guard integerDigits + fractionDigits > 0 else { return .notNumber }
        if i < end, bytes[i] | 0x20 == UInt8(ascii: "e") {
            isReal = true
            i += 1
            if i < end, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
            var exponentDigits = 0
            while i < end, isDigit(bytes[i]) {
                i += 1
                exponentDigits += 1
            }
            guard exponentDigits > 0 else { return .notNumber }
        }
        guard i == end else { return .notNumber }
        if isReal { return .real }
        return integerDigits <= 18 || parseInteger(bytes) != nil ? .integer : .real
    }

    /// The integer the bytes spell, or nil when they are not an integer or overflow 64 bits.
    @inline(__always)
    static func parseInteger(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        let count = bytes.count
        if count > 0, count <= 18, let base = bytes.baseAddress {
            let negative = base[0] == UInt8(ascii: "-")
            var value: Int64 = 0
            var i = negative ? 1 : 0
            while i < count, base[i] &- 48 < 10 {
                value = value &* 10 &+ Int64(base[i] &- 48)
                i += 1
            }
            if i == count && i > (negative ? 1 : 0) { return negative ? -value : value }
        }
        return parseIntegerGeneral(bytes)
    }

    private static func parseIntegerGeneral(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var (i, end) = trimmed(bytes)
        guard i < end else { return nil }
        var negative = false
        if bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        } else if bytes[i] == UInt8(ascii: "+") {
            i += 1
        }
        guard i < end else { return nil }
        var magnitude: UInt64 = 0
        while i < end {
            let byte = bytes[i]
            guard isDigit(byte) else { return nil }
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte &- 48))
            if o1 || o2 { return nil }
            magnitude = sum
            i += 1
        }
        if negative {
            return magnitude <= UInt64(Int64.max) + 1 ? Int64(bitPattern: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// The double the bytes spell, or nil when they are not a number (as `classify` decides).
    @inline(__always)
    static func parseNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        if let value = parsePlainDecimal(bytes) { return value }
        return classifyGeneral(bytes) == .notNumber ? nil : parseDouble(bytes)
    }

    /// `123`, `-12.34` (at most 15 digits) converted exactly, or nil for any other shape.
    @inline(__always)
    private static func parsePlainDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        let count = bytes.count
        guard count > 0, count <= 17, let base = bytes.baseAddress else { return nil }
        let negative = base[0] == UInt8(ascii: "-")
        var mantissa: UInt64 = 0
        var i = negative ? 1 : 0
        let first = i
        while i < count, base[i] &- 48 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(base[i] &- 48)
            i += 1
        }
        if i == count { return i > first && i - first <= 15 ? (negative ? -Double(mantissa) : Double(mantissa)) : nil }
        guard i > first, base[i] == UInt8(ascii: ".") else { return nil }
        let integerDigits = i - first
        i += 1
        let fractionStart = i
        while i < count, base[i] &- 48 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(base[i] &- 48)
            i += 1
        }
        guard i == count, integerDigits + (count - fractionStart) <= 15 else { return nil }
        let fractionDigits = count - fractionStart
        let magnitude = fractionDigits == 0 ? Double(mantissa) : Double(mantissa) / powerOfTen(fractionDigits)
        return negative ? -magnitude : magnitude
    }

    /// 10^k for k in 0...22, each exactly representable.
    @inline(__always)
    static func powerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    /// The double the bytes spell; call only on bytes that `classify` accepted.
    static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>) -> Double {
        var (i, end) = trimmed(bytes)
        let first = i
        var negative = false
        if bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        } else if bytes[i] == UInt8(ascii: "+") {
            i += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var exact = true
        while i < end, isDigit(bytes[i]) {
            if mantissa == 0 && bytes[i] == 48 {
                i += 1
                continue
            }
            if significantDigits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- 48)
                significantDigits += 1
            } else {
                exact = false
            }
            i += 1
        }
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, isDigit(bytes[i]) {
                if mantissa == 0 && bytes[i] == 48 {
                    exponent -= 1
                    i += 1
                    continue
                }
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- 48)
                    significantDigits += 1
                    exponent -= 1
                } else {
                    exact = false
                }
                i += 1
            }
        }
        if i < end, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var negativeExponent = false
            if bytes[i] == UInt8(ascii: "-") {
                negativeExponent = true
                i += 1
            } else if bytes[i] == UInt8(ascii: "+") {
                i += 1
            }
            var value = 0
            while i < end, isDigit(bytes[i]) {
                value = min(value * 10 + Int(bytes[i] &- 48), 100_000)
                i += 1
            }
            exponent += negativeExponent ? -value : value
        }
        if exact && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            let magnitude =
                exponent < 0 ? Double(mantissa) / powerOfTen(-exponent) : Double(mantissa) * powerOfTen(exponent)
            return negative ? -magnitude : magnitude
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: end - first + 1) { text in
            for k in first..<end { text[k - first] = CChar(bitPattern: bytes[k]) }
            text[end - first] = 0
            return strtod(text.baseAddress!, nil)
        }
    }

    @inline(__always) private static func isDigit(_ byte: UInt8) -> Bool { byte &- 48 < 10 }

    @inline(__always) private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 32 || bytes[start] == 9 { start += 1 }
        while end > start, bytes[end - 1] == 32 || bytes[end - 1] == 9 { end -= 1 }
        return (start, end)
    }
}
