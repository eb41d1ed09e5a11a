extension NumberParsing {
    /// How many bytes past a cell's start the word-at-a-time parsers may read: a cell handed to
    /// them must be followed by readable memory up to there (CSV record fields are: the
    /// tokenizer's buffer has this much spare room after its end).
    static let readableBytesPastStart = 16

    /// `parseInteger`, reading cells of up to 8 digits (after an optional `-`) as one word.
    ///
    /// - Precondition: `readableBytesPastStart` bytes from the cell's start are readable.
    @inline(__always)
    static func parseIntegerByWords(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let base = bytes.baseAddress else { return nil }
        let negative = bytes.count > 1 && base[0] == UInt8(ascii: "-")
        let digits = negative ? bytes.count - 1 : bytes.count
        guard digits >= 1 && digits <= 8,
            let value = digitsValue(ByteWords.load(base + (negative ? 1 : 0)), count: digits)
        else { return parseInteger(bytes) }
        return negative ? -Int64(value) : Int64(value)
    }

    /// `parseNumber`, reading cells of up to 8 bytes after an optional `-` (digits with at most one
    /// `.`) as one word; the same double, correctly rounded.
    ///
    /// - Precondition: `readableBytesPastStart` bytes from the cell's start are readable.
    @inline(__always)
    static func parseNumberByWords(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let base = bytes.baseAddress else { return nil }
        let negative = bytes.count > 1 && base[0] == UInt8(ascii: "-")
        let length = negative ? bytes.count - 1 : bytes.count
        guard length >= 1 && length <= 8 else { return parseNumber(bytes) }
        var text = ByteWords.load(base + (negative ? 1 : 0))
        let kept = length == 8 ? UInt64.max : (1 << UInt64(length * 8)) - 1
        let dots = ByteWords.zeroBytes((text ^ ByteWords.repeating(UInt8(ascii: "."))) | ~kept)
        var digits = length
        var fractionDigits = 0
        if dots != 0 {
            let dot = dots.trailingZeroBitCount / 8
            guard dots & (dots &- 1) == 0, length > 1 else { return parseNumber(bytes) }
            let below = (UInt64(1) << UInt64(dot * 8)) &- 1
            text = (text & below) | ((text >> 8) & ~below)
            digits -= 1
            fractionDigits = digits - dot
        }
        guard let mantissa = digitsValue(text, count: digits) else { return parseNumber(bytes) }
        let magnitude = Double(mantissa) / powerOfTen(fractionDigits)
        return negative ? -magnitude : magnitude
    }

    /// The value of the first `count` (1...8) bytes of `text` read as decimal digits, the first
    /// byte the most significant; nil when one of them is not a digit.
    @inline(__always)
    private static func digitsValue(_ text: UInt64, count: Int) -> UInt64? {
        let shift = UInt64((8 - count) * 8)
        let digits = (text ^ ByteWords.repeating(0x30)) << shift
        guard ((digits &+ ByteWords.repeating(0x76)) | digits) & ByteWords.repeating(0x80) == 0 else { return nil }
        var value = (digits &* 10 &+ (digits >> 8)) & 0x00FF_00FF_00FF_00FF
        value = (value &* 100 &+ (value >> 16)) & 0x0000_FFFF_0000_FFFF
        return (value &* 10000 &+ (value >> 32)) & 0xFFFF_FFFF
    }
}
