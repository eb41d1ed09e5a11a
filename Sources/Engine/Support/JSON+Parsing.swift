import MLCore

extension JSON {
    /// Parses JSON text (RFC 8259), keeping object keys in the order written.
    ///
    /// Integers without a fraction or exponent that fit 64 bits become `.integer`, other numbers
    /// `.number`; `true`/`false` stay booleans (Foundation's parser on Linux blurs them with numbers).
    ///
    /// - Throws: `EngineError.invalidData` naming the byte offset, where in the document (such as
    ///   `data[0][3]`) and what was expected there; a number beyond a double's range, a `\u`
    ///   escape of a lone surrogate and bytes that are not UTF-8 inside a string are refused too.
    public static func parse(_ text: String) throws -> JSON {
        try parse(utf8: Array(text.utf8))
    }

    /// Parses JSON from its UTF-8 bytes (a request body), as `parse(_:)` does.
    public static func parse(utf8 bytes: [UInt8]) throws -> JSON {
        var parser = JSONParser(bytes: bytes)
        do {
            let value = try parser.value(depth: 0)
            parser.skipSpace()
            guard parser.position == parser.bytes.count else { throw parser.failure("the end of the document") }
            return value
        } catch let failure as JSONParser.Failure {
            throw EngineError(.invalidData, failure.message)
        }
    }

    /// What the value is, for messages: "a number", "an array", ….
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value of `key` in an object (the first, if written twice); nil for other kinds.
    public subscript(key: String) -> JSON? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    public var stringValue: String? { if case .string(let v) = self { v } else { nil } }
    public var boolValue: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var arrayValue: [JSON]? { if case .array(let v) = self { v } else { nil } }
    public var objectPairs: [(String, JSON)]? { if case .object(let v) = self { v } else { nil } }

    /// An integer, or a number with no fraction that fits one.
    public var intValue: Int? {
        switch self {
        case .integer(let v): return Int(exactly: v)
        case .number(let v): return Int(exactly: v)
        default: return nil
        }
    }
}

/// A recursive-descent reader over UTF-8 bytes.
private struct JSONParser {
    let bytes: [UInt8]
    var position = 0

    /// Deeper nesting than this is refused rather than risking the stack.
    static let maximumDepth = 512

    /// Why parsing stopped, and where: the byte offset, and the way into the document (`.data`,
    /// `[3]`, …), which each array and object adds to as the failure passes out through it.
    struct Failure: Error {
        enum Reason {
            case unexpected(expected: String, found: String)
            case tooDeep
            case outOfRange
        }

        let reason: Reason
        let offset: Int
        var path: [String] = []

        var message: String {
            let joined = path.joined()
            let place = joined.hasPrefix(".") ? joined.dropFirst() : Substring(joined)
            switch reason {
            case .unexpected(let expected, let found):
                return
                    "malformed JSON at byte \(offset)\(place.isEmpty ? "" : " (\(place))"): expected \(expected), found \(found)"
            case .tooDeep:
                return "malformed JSON: nested deeper than \(JSONParser.maximumDepth) levels"
            case .outOfRange:
                return "a number beyond the range of a double (about ±1.8e308) at "
                    + (place.isEmpty ? "byte \(offset)" : "\(place)")
            }
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    func failure(_ expected: String) -> Failure {
        let found = position < bytes.count ? "'\(String(decoding: [bytes[position]], as: UTF8.self))'" : "the end"
        return Failure(reason: .unexpected(expected: expected, found: found), offset: position)
    }

    mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    mutating func value(depth: Int) throws -> JSON {
        guard depth < Self.maximumDepth else { throw Failure(reason: .tooDeep, offset: position) }
        skipSpace()
        guard position < bytes.count else { throw failure("a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    private mutating func literal(_ word: String, _ value: JSON) throws -> JSON {
        let expected = Array(word.utf8)
        guard bytes.count - position >= expected.count, Array(bytes[position..<position + expected.count]) == expected
        else {
            throw failure("a value")
        }
        position += expected.count
        return value
    }

    private mutating func object(depth: Int) throws -> JSON {
        position += 1
        var pairs: [(String, JSON)] = []
        skipSpace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(pairs)
        }
        while true {
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("a string key") }
            let key = try string()
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw failure("':'") }
            position += 1
            do {
                pairs.append((key, try value(depth: depth + 1)))
            } catch var failure as Failure {
                failure.path.insert(".\(key)", at: 0)
                throw failure
            }
            skipSpace()
            guard position < bytes.count else { throw failure("',' or '}'") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard bytes[position] == UInt8(ascii: "}") else { throw failure("',' or '}'") }
            position += 1
            return .object(pairs)
        }
    }

    private mutating func array(depth: Int) throws -> JSON {
        position += 1
        var items: [JSON] = []
        skipSpace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            do {
                items.append(try value(depth: depth + 1))
            } catch var failure as Failure {
                failure.path.insert("[\(items.count)]", at: 0)
                throw failure
            }
            skipSpace()
            guard position < bytes.count else { throw failure("',' or ']'") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard bytes[position] == UInt8(ascii: "]") else { throw failure("',' or ']'") }
            position += 1
            return .array(items)
        }
    }

    private mutating func string() throws -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var run = position
        func flush(_ end: Int) throws {
            if let text = String(validating: bytes[run..<end], as: UTF8.self) {
                scalars.append(contentsOf: text.unicodeScalars)
                return
            }
            var iterator = bytes[run..<end].makeIterator()
            var decoder = UTF8()
            position = run
            while case .scalarValue(let scalar) = decoder.decode(&iterator) { position += UTF8.width(scalar) }
            throw failure("UTF-8 text")
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                try flush(position)
                position += 1
                return String(scalars)
            }
            if byte < 0x20 { throw failure("an escaped control character") }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            try flush(position)
            position += 1
            guard position < bytes.count else { throw failure("an escape") }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                let escapeStart = position - 2
                var code = try hex4()
                if (0xD800...0xDBFF).contains(code), position + 1 < bytes.count,
                    bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                {
                    position += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw failure("a low surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else {
                    position = escapeStart
                    throw failure("an escape of a character (a lone surrogate is none)")
                }
                scalars.append(scalar)
            default:
                position -= 1
                throw failure("a valid escape")
            }
            run = position
        }
        throw failure("a closing '\"'")
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - position >= 4,
            let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
        else {
            throw failure("four hex digits")
        }
        position += 4
        return code
    }

    private mutating func number() throws -> JSON {
        let start = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        var integral = true
        let digitsStart = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            position += 1
        }
        guard position > digitsStart else { throw failure("a value") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            integral = false
            position += 1
            let fraction = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                position += 1
            }
            guard position > fraction else { throw failure("a digit after '.'") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            integral = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            let exponent = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                position += 1
            }
            guard position > exponent else { throw failure("an exponent") }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if integral, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw failure("a number") }
        guard value.isFinite else { throw Failure(reason: .outOfRange, offset: start) }
        return .number(value)
    }
}
