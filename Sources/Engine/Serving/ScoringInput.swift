import Foundation
import MLCore

/// One input column of a model's signature: its name and MLflow type.
public struct SignatureColumn: Sendable, Equatable {
    public enum ColumnType: String, Sendable {
        case long, double
    }

    public let name: String
    public let type: ColumnType

    public init(name: String, type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// The rows of a scoring request, by column name, before the signature is enforced.
struct ScoringInput {
    /// Column names in order of first appearance.
    let columns: [String]
    /// Row-major cells aligned with `columns`; `.null` where a record lacks a column.
    let rows: [[JSON]]

    /// The input formats of MLflow's scoring protocol, one of which a JSON body must hold.
    static let formats = ["dataframe_split", "dataframe_records", "instances", "inputs"]

    /// Reads a request body of the given content type (`application/json` or `text/csv`).
    static func parse(body: Data, contentType: String?) throws(ScoringError) -> ScoringInput {
        let mediaType = try Self.mediaType(contentType)
        guard !body.isEmpty else {
            throw ScoringError(
                "the request body is empty; send rows, for example {\"dataframe_split\": {\"columns\": [...], \"data\": [[...]]}}"
            )
        }
        switch mediaType {
        case "application/json": return try parseJSON(body)
        default: return try parseCSV(body)
        }
    }

    /// The media type of a Content-Type header, checked: JSON or CSV, UTF-8, no other parameters.
    static func mediaType(_ contentType: String?) throws(ScoringError) -> String {
        let supported =
            "send Content-Type: application/json (dataframe_split, dataframe_records, instances or inputs) or text/csv"
        guard let contentType, !contentType.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .unsupportedMediaType("the request has no Content-Type header; \(supported)")
        }
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        let type = parts[0].lowercased()
        guard type == "application/json" || type == "text/csv" else {
            throw .unsupportedMediaType("content type '\(parts[0])' is not supported; \(supported)")
        }
        for parameter in parts.dropFirst() where !parameter.isEmpty {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair[0].lowercased() == "charset" else {
                throw .unsupportedMediaType(
                    "unrecognized content type parameter '\(pair[0])' (MLflow 1.x's format= is gone: the format is a key of the JSON body)"
                )
            }
            let charset =
                pair.count > 1 ? pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased() : ""
            guard charset == "utf-8" || charset == "utf8" else {
                throw .unsupportedMediaType(
                    "charset '\(pair.count > 1 ? pair[1] : "")' is not supported; the scoring server reads UTF-8 only")
            }
        }
        return type
    }

    /// The character a JSON body opens with, when `text` (sent as CSV) is one: it starts with
    /// `{` (no CSV header does), or with `[` and parses as JSON.
    private static func jsonOpening(of text: String) -> Character? {
        let start = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        guard let first = start.first, first == "{" || first == "[" else { return nil }
        if first == "[", (try? JSON.parse(utf8: Array(start.utf8))) == nil { return nil }
        return first
    }

    // MARK: - JSON

    private static func parseJSON(_ body: Data) throws(ScoringError) -> ScoringInput {
        let document: JSON
        do {
            document = try JSON.parse(utf8: [UInt8](body))
        } catch {
            let reason = EngineError.message(of: error)
            throw ScoringError(
                "Invalid input. Ensure that input is a valid JSON formatted string. Error: \(reason)")
        }
        let example = "for example {\"dataframe_split\": {\"columns\": [\"X_Minimum\", ...], \"data\": [[42, ...]]}}"
        guard case .object(let pairs) = document else {
            throw ScoringError(
                "the body must be a JSON object with exactly one of the input fields \(formats.joined(separator: ", ")); received \(document.kindName); \(example)"
            )
        }
        let fields = fieldsByName(pairs)
        let present = formats.filter { fields[$0] != nil }
        guard present.count == 1, let format = present.first, let payload = fields[format] else {
            let unknown = fields.keys.filter { !formats.contains($0) && $0 != "params" }.sorted()
            throw ScoringError(
                "the body must hold exactly one of the input fields \(formats.joined(separator: ", ")); received "
                    + (present.isEmpty ? "none" : present.joined(separator: " and "))
                    + (unknown.isEmpty ? "" : " (unknown fields: \(unknown.joined(separator: ", ")))") + "; \(example)")
        }
        switch format {
        case "dataframe_split": return try split(payload)
        case "inputs":
            if case .object(let columns) = payload { return try columnar(fieldsByName(columns), format: format) }
            return try records(payload, format: format)
        default: return try records(payload, format: format)
        }
    }

    /// `{"columns": [...], "data": [[...], ...], "index": [...]}` (pandas' split orient).
    private static func split(_ payload: JSON) throws(ScoringError) -> ScoringInput {
        guard case .object(let pairs) = payload else {
            throw ScoringError(
                "dataframe_split must be an object with \"columns\" and \"data\"; received \(payload.kindName)")
        }
        let fields = fieldsByName(pairs)
        guard case .array(let names)? = fields["columns"] else {
            throw ScoringError(
                "dataframe_split needs \"columns\": the list of column names (the model reads its inputs by name)")
        }
        let columns = try names.enumerated().map { index, name throws(ScoringError) -> String in
            guard case .string(let text) = name else {
                throw ScoringError("dataframe_split column \(index) is \(name.kindName); column names are strings")
            }
            return text
        }
        guard case .array(let data)? = fields["data"] else {
            throw ScoringError("dataframe_split needs \"data\": a list of rows, each a list of \(columns.count) values")
        }
        let rows = try data.enumerated().map { index, row throws(ScoringError) -> [JSON] in
            guard case .array(let cells) = row else {
                throw ScoringError("dataframe_split row \(index) is \(row.kindName); each row is a list of values")
            }
            guard cells.count == columns.count else {
                throw ScoringError(
                    "dataframe_split row \(index) has \(cells.count) values for \(columns.count) columns")
            }
            return cells
        }
        return try ScoringInput(checkingColumns: columns, rows: rows)
    }

    /// A list of row objects (`dataframe_records`, `instances`, `inputs`).
    private static func records(_ payload: JSON, format: String) throws(ScoringError) -> ScoringInput {
        guard case .array(let items) = payload else {
            throw ScoringError(
                "\(format) must be a list of row objects such as {\"X_Minimum\": 42, ...}; received \(payload.kindName)"
            )
        }
        var columns: [String] = []
        var position: [String: Int] = [:]
        var objects: [[String: JSON]] = []
        objects.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let pairs) = item else {
                throw .schema(
                    "\(format) row \(index) is \(item.kindName); the model reads named columns, so send row objects such as {\"X_Minimum\": 42, ...}"
                )
            }
            let fields = fieldsByName(pairs)
            for key in fields.keys.sorted() where position[key] == nil {
                position[key] = columns.count
                columns.append(key)
            }
            objects.append(fields)
        }
        let rows = objects.map { fields in columns.map { fields[$0] ?? .null } }
        return ScoringInput(columns: columns, rows: rows)
    }

    /// `{"column": [values...], ...}` (the `inputs` columnar form); a scalar is a one-row column.
    private static func columnar(_ columnsByName: [String: JSON], format: String) throws(ScoringError)
        -> ScoringInput
    {
        let columns = columnsByName.keys.sorted()
        let values = columns.map { name -> [JSON] in
            if case .array(let items) = columnsByName[name]! { return items }
            return [columnsByName[name]!]
        }
        let count = values.first?.count ?? 0
        if let uneven = values.firstIndex(where: { $0.count != count }) {
            throw ScoringError(
                "\(format) columns differ in length: '\(columns[0])' has \(count) values, '\(columns[uneven])' has \(values[uneven].count)"
            )
        }
        return ScoringInput(columns: columns, rows: (0..<count).map { r in values.map { $0[r] } })
    }

    private init(checkingColumns columns: [String], rows: [[JSON]]) throws(ScoringError) {
        var seen = Set<String>()
        for name in columns where !seen.insert(name).inserted {
            throw ScoringError("column '\(name)' appears twice")
        }
        self.init(columns: columns, rows: rows)
    }

    private init(columns: [String], rows: [[JSON]]) {
        self.columns = columns
        self.rows = rows
    }

    /// An object's fields by name; a name written twice keeps its last value (as Python's json does).
    private static func fieldsByName(_ pairs: [(String, JSON)]) -> [String: JSON] {
        Dictionary(pairs, uniquingKeysWith: { _, last in last })
    }

    // MARK: - CSV

    /// A CSV body with a header row (RFC 4180 quoting); cells are numbers or text.
    private static func parseCSV(_ body: Data) throws(ScoringError) -> ScoringInput {
        guard let text = String(data: body, encoding: .utf8) else {
            throw ScoringError("the CSV body is not valid UTF-8")
        }
        if let opening = jsonOpening(of: text) {
            throw ScoringError(
                "the body looks like JSON (it starts with '\(opening)') but the Content-Type says text/csv; send it with Content-Type: application/json, or send CSV (a header line of column names, then one line per row)"
            )
        }
        var records = try CSVText.records(text)
        guard !records.isEmpty else { throw ScoringError("the CSV body has no header row") }
        let header = records.removeFirst()
        let rows = try records.enumerated().map { index, record throws(ScoringError) -> [JSON] in
            guard record.count == header.count else {
                throw ScoringError("CSV line \(index + 2) has \(record.count) fields for \(header.count) columns")
            }
            return record.map { cell in
                let trimmed = cell.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { return .null }
                if let number = Double(trimmed) { return .number(number) }
                return .string(cell)
            }
        }
        return try ScoringInput(checkingColumns: header, rows: rows)
    }
}

/// A small RFC 4180 splitter for request bodies (the table loader's tokenizer reads files).
enum CSVText {
    /// The records of `text`: comma-separated fields, quoted fields with doubled quotes, CRLF or LF.
    static func records(_ text: String) throws(ScoringError) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var fieldStarted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending {
                pending = nil
                return scalar
            }
            return iterator.next()
        }
        while let scalar = next() {
            if quoted {
                if scalar == "\"" {
                    if let following = next() {
                        if following == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            quoted = false
                            pending = following
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty:
                quoted = true
                fieldStarted = true
            case ",":
                record.append(field)
                field = ""
                fieldStarted = true
            case "\r": break
            case "\n":
                if fieldStarted || !field.isEmpty || !record.isEmpty {
                    record.append(field)
                    records.append(record)
                }
                record = []
                field = ""
                fieldStarted = false
            default:
                field.unicodeScalars.append(scalar)
                fieldStarted = true
            }
        }
        if quoted { throw ScoringError("the CSV body ends inside a quoted field") }
        if fieldStarted || !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}

extension ScoringInput {
    /// The rows as a matrix of the signature's columns, in the signature's order; extra columns
    /// are ignored (as MLflow does).
    ///
    /// - Throws: `ScoringError` naming the missing columns, or the column and row of a value that
    ///   is not a finite number (or not a whole number for a `long` column).
    func matrix(for signature: [SignatureColumn]) throws(ScoringError) -> Matrix {
        var index: [String: Int] = [:]
        for (position, name) in columns.enumerated() { index[name] = position }
        let missing = signature.filter { index[$0.name] == nil }.map(\.name)
        if !missing.isEmpty {
            let names = Set(signature.map(\.name))
            let extra = columns.filter { !names.contains($0) }
            throw .schema(
                "Model is missing inputs [\(missing.map { "'\($0)'" }.joined(separator: ", "))]."
                    + (extra.isEmpty
                        ? ""
                        : " Note that there were extra inputs: [\(extra.prefix(10).map { "'\($0)'" }.joined(separator: ", "))\(extra.count > 10 ? ", ..." : "")].")
                    + " The model reads \(signature.count) columns: \(signature.map(\.name).joined(separator: ", ")).")
        }
        let positions = signature.map { index[$0.name]! }
        var values = [Double](repeating: 0, count: rows.count * signature.count)
        for (r, row) in rows.enumerated() {
            for (c, column) in signature.enumerated() {
                let cell = row[positions[c]]
                let number: Double? =
                    switch cell {
                    case .integer(let value): Double(value)
                    case .number(let value) where value.isFinite: value
                    default: nil
                    }
                guard let value = number else {
                    let found =
                        switch cell {
                        case .number(let value): "\(value)"
                        case .string(let text): "the string \"\(text.prefix(40))\""
                        default: cell.kindName
                        }
                    throw ScoringError(
                        "Failed to convert column \(column.name) to type '\(column.type == .long ? "int64" : "float64")': row \(r) has \(found); the model needs a finite number in every row"
                    )
                }
                if column.type == .long && (value != value.rounded() || !(-0x1p63..<0x1p63).contains(value)) {
                    throw ScoringError(
                        "Failed to convert column \(column.name) to type 'int64': row \(r) has \(value), "
                            + (value == value.rounded() ? "beyond the 64-bit integer range" : "not a whole number"))
                }
                values[r * signature.count + c] = value
            }
        }
        return Matrix(rows: rows.count, columns: signature.count, values: values)
    }
}
