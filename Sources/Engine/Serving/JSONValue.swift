import Foundation

/// A parsed JSON document, as scoring requests arrive: numbers, strings, booleans, null, arrays
/// and objects kept apart (Foundation's `JSONSerialization` blurs numbers and booleans on Linux).
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Tries the kinds in the order scoring bodies hold them — numbers, then arrays (rows), then
    /// strings, booleans and objects — because every failed attempt costs a thrown error that
    /// carries its coding path (trying containers first made decoding 70% of a server's time).
    init(from decoder: Decoder) throws {
        let value = try decoder.singleValueContainer()
        if value.decodeNil() {
            self = .null
            return
        }
        do {
            self = .number(try value.decode(Double.self))
            return
        } catch DecodingError.typeMismatch {
            // Not a number: one of the kinds below.
        } catch {
            let path = decoder.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "a number beyond the range of a double (about ±1.8e308) at \(path.hasPrefix(".") ? String(path.dropFirst()) : path)"
                ))
        }
        if var array = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            if let count = array.count { items.reserveCapacity(count) }
            while !array.isAtEnd { items.append(try array.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        if let string = try? value.decode(String.self) {
            self = .string(string)
            return
        }
        if let bool = try? value.decode(Bool.self) {
            self = .bool(bool)
            return
        }
        let object = try decoder.container(keyedBy: AnyKey.self)
        var values: [String: JSONValue] = [:]
        for key in object.allKeys { values[key.stringValue] = try object.decode(JSONValue.self, forKey: key) }
        self = .object(values)
    }

    /// What the value is, for error messages.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }
}
