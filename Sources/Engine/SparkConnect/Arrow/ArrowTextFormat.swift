import Engine

/// The text PlateShell shows for Arrow values it has no column type for: dates, timestamps and bytes.
enum ArrowTextFormat {
    private static let secondsPerDay: Int64 = 86_400
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// "YYYY-MM-DD" for a count of days since 1970-01-01.
    static func date(days: Int64) -> String {
        format { writer in writer.putDate(days: days) }
    }

    /// "YYYY-MM-DD" for a count of milliseconds since 1970-01-01.
    static func date(milliseconds: Int64) -> String {
        date(days: floorDivision(milliseconds, 1000 * secondsPerDay).quotient)
    }

    /// ISO 8601 with as many fractional digits as the unit resolves ("2024-01-02T03:04:05.123456"), and a
    /// trailing "Z" when the timestamp is an instant in UTC rather than a wall-clock time.
    static func timestamp(_ value: Int64, unit: ArrowType.TimeUnit, utc: Bool) -> String {
        let (perSecond, digits): (Int64, Int) =
            switch unit {
            case .second: (1, 0)
            case .millisecond: (1_000, 3)
            case .microsecond: (1_000_000, 6)
            case .nanosecond: (1_000_000_000, 9)
            }
        let (seconds, fraction) = floorDivision(value, perSecond)
        let (days, secondOfDay) = floorDivision(seconds, secondsPerDay)
        return format { writer in
            writer.putDate(days: days)
            writer.put(UInt8(ascii: "T"))
            writer.putDigits(secondOfDay / 3600, width: 2)
            writer.put(UInt8(ascii: ":"))
            writer.putDigits(secondOfDay / 60 % 60, width: 2)
            writer.put(UInt8(ascii: ":"))
            writer.putDigits(secondOfDay % 60, width: 2)
            if digits > 0 {
                writer.put(UInt8(ascii: "."))
                writer.putDigits(fraction, width: digits)
            }
            if utc { writer.put(UInt8(ascii: "Z")) }
        }
    }

    /// Lowercase hexadecimal digits, two per byte.
    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 2 * bytes.count) { out in
            for (i, byte) in bytes.enumerated() {
                out[2 * i] = hexDigits[Int(byte >> 4)]
                out[2 * i + 1] = hexDigits[Int(byte & 15)]
            }
            return 2 * bytes.count
        }
    }

    /// Days since 1970-01-01 as a proleptic Gregorian (year, month, day); after Howard Hinnant's
    /// `civil_from_days`.
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    /// Text written ASCII byte by byte into a fixed buffer, long enough for any Int64 timestamp.
    private static func format(_ write: (inout ASCIIWriter) -> Void) -> String {
        String(unsafeUninitializedCapacity: 48) { buffer in
            var writer = ASCIIWriter(buffer: buffer)
            write(&writer)
            return writer.count
        }
    }
}

private struct ASCIIWriter {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    private(set) var count = 0

    init(buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    mutating func put(_ byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    /// The decimal digits of a non-negative number, zero-padded to at least `width` digits.
    mutating func putDigits(_ value: Int64, width: Int) {
        var length = 1
        var rest = value / 10
        while rest > 0 {
            length += 1
            rest /= 10
        }
        length = max(length, width)
        rest = value
        for i in stride(from: count + length - 1, through: count, by: -1) {
            buffer[i] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        count += length
    }

    /// "YYYY-MM-DD", with a leading "-" for years before year 0.
    mutating func putDate(days: Int64) {
        let (year, month, day) = ArrowTextFormat.civil(days: days)
        if year < 0 { put(UInt8(ascii: "-")) }
        putDigits(abs(year), width: 4)
        put(UInt8(ascii: "-"))
        putDigits(month, width: 2)
        put(UInt8(ascii: "-"))
        putDigits(day, width: 2)
    }
}
