import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

/// A logged random forest on TOP3, served from its model directory.
enum ScoringFixture {
    static let directory = TemporaryDirectory()
    static let data = EstimatorConformanceTests.data.first
    static let table = EstimatorConformanceTests.data.table
    static let pipeline: FittedPipeline = {
        let kind = try! ModelCatalog.kind("rf")
        return try! FittedPipeline.fit(
            kind: kind, settings: try! kind.settings(["n_estimators": "20"]), plan: PreprocessingPlan(scale: true),
            dataset: data, frameSteps: [], target: "Label", seed: 42, threads: 2)
    }()
    static let types: [ColumnType] = data.features.map { try! table.column(named: $0).type }
    static let source: ModelSource = {
        let model = directory.path + "/model"
        try! FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        for (name, bytes) in try! ModelArtifact.files(
            .classifier(pipeline), featureTypes: types, example: data.x.selecting(rows: [0, 1]), runId: "r")
        {
            try! bytes.write(to: URL(fileURLWithPath: model + "/" + name))
        }
        return try! ModelSource(uri: model, workspace: directory.path + "/ws")
    }()
    static let service = ScoringService(source: source)

    /// Row `r` of the TOP3 table (not of `data`, which holds every other row) as JSON cells of the model's features (integers stay integers).
    static func cells(_ r: Int) -> [JSON] {
        data.features.map { JSON(try! table.column(named: $0).value(at: r)) }
    }

    static func splitBody(rows: [Int], columns: [String] = data.features) -> String {
        let names = JSON.array(columns.map(JSON.string))
        let values = rows.map { r in JSON.array(columns.map { JSON(try! table.column(named: $0).value(at: r)) }) }
        return JSON.object([("dataframe_split", .object([("columns", names), ("data", .array(values))]))]).serialized()
    }

    static func post(_ body: String, type: String? = "application/json") -> ScoringResponse {
        service.respond(method: "POST", path: "/invocations", contentType: type, body: Data(body.utf8))
    }
}

/// The parsed JSON of a response body.
func decoded(_ response: ScoringResponse) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any]
}

@Suite("Scoring service: MLflow's protocol as a pure function")
struct ScoringServiceTests {
    typealias F = ScoringFixture

    /// The probabilities a response gives, row by row, in the pipeline's class order.
    func probabilities(_ response: ScoringResponse) throws -> [[Double]] {
        let predictions = try #require(
            decoded(response)?["predictions"] as? [[String: Any]], "\(response.body.prefix(300))")
        return try predictions.map { record in
            try F.pipeline.classes.map { try #require(record["proba_\($0)"] as? Double) }
        }
    }

    @Test("every input format scores the same rows to the pipeline's own probabilities")
    func formats() throws {
        let rows = [0, 7, 42, 99, 500]
        let expected = F.pipeline.probabilities(try F.table.matrix(of: F.data.features).selecting(rows: rows))
        let features = F.data.features
        let records = JSON.array(rows.map { r in .object(zip(features, F.cells(r)).map { ($0, $1) }) })
        let columnar = JSON.object(features.enumerated().map { c, name in (name, .array(rows.map { F.cells($0)[c] })) })
        let csv =
            features.joined(separator: ",") + "\r\n"
            + rows.map { r in
                F.cells(r).map { $0.serialized() }.joined(separator: ",")
            }.joined(separator: "\n") + "\n"
        let bodies: [(String, String)] = [
            ("split", F.splitBody(rows: rows)),
            (
                "split, shuffled columns and an index",
                F.splitBody(rows: rows, columns: features.reversed()).replacingOccurrences(
                    of: "\"data\"", with: "\"index\":[0,1,2,3,4],\"data\"")
            ),
            ("records", JSON.object([("dataframe_records", records)]).serialized()),
            ("instances", JSON.object([("instances", records)]).serialized()),
            ("inputs as records", JSON.object([("inputs", records)]).serialized()),
            ("inputs as columns", JSON.object([("inputs", columnar), ("params", .object([]))]).serialized()),
        ]
        for (name, body) in bodies {
            let response = F.post(body)
            #expect(response.status == 200, "\(name): \(response.body.prefix(300))")
            #expect(response.model == F.source.model.label)
            let got = try probabilities(response)
            for r in rows.indices {
                for k in got[r].indices { #expect(abs(got[r][k] - expected[r, k]) < 1e-12, "\(name) row \(r)") }
            }
        }
        let fromCSV = F.post(csv, type: "text/csv; charset=utf-8")
        #expect(fromCSV.status == 200, "\(fromCSV.body.prefix(300))")
        #expect(
            try probabilities(fromCSV).flatMap { $0 }.enumerated().allSatisfy {
                abs($1 - expected[$0 / 3, $0 % 3]) < 1e-12
            })
        let predicted = try #require(decoded(F.post(F.splitBody(rows: rows)))?["predictions"] as? [[String: Any]]).map {
            $0["predicted"] as? String
        }
        #expect(predicted == expected.argmaxRows().map { F.pipeline.classes[$0] })
        #expect(decoded(F.post(F.splitBody(rows: [])))?["predictions"] as? [Any] != nil, "zero rows: an empty list")
    }

    @Test(
        "the signature is enforced: missing columns, wrong types, nulls, fractions in long columns, non-finite numbers")
    func signature() throws {
        var features = F.data.features
        features.removeAll { $0 == "Pixels_Areas" || $0 == "Steel_Plate_Thickness" }
        let missing = F.post(F.splitBody(rows: [0], columns: features))
        #expect(missing.status == 400)
        #expect(decoded(missing)?["error_class"] as? String == "SCHEMA_ENFORCEMENT_FAILED")
        #expect(
            (decoded(missing)?["message"] as? String)?.hasPrefix(
                "Model is missing inputs ['Pixels_Areas', 'Steel_Plate_Thickness'].") == true)

        func replacing(_ column: String, with cell: String) -> String {
            let body = F.splitBody(rows: [3], columns: F.data.features)
            let index = F.data.features.firstIndex(of: column)!
            var cells = F.cells(3).map { $0.serialized() }
            cells[index] = cell
            return body.replacingOccurrences(
                of: "[[" + F.cells(3).map { $0.serialized() }.joined(separator: ",") + "]]",
                with: "[[" + cells.joined(separator: ",") + "]]")
        }
        let cases: [(String, String, String)] = [
            (
                "Pixels_Areas", "\"many\"",
                "Failed to convert column Pixels_Areas to type 'int64': row 0 has the string \"many\""
            ),
            ("Edges_Index", "null", "Failed to convert column Edges_Index to type 'float64': row 0 has null"),
            (
                "X_Minimum", "12.5",
                "Failed to convert column X_Minimum to type 'int64': row 0 has 12.5, not a whole number"
            ),
            ("X_Minimum", "true", "row 0 has a boolean"),
            ("X_Minimum", "1e30", "row 0 has 1e+30, beyond the 64-bit integer range"),
            ("X_Minimum", "9223372036854775808", "beyond the 64-bit integer range"),
            ("Edges_Index", "\"\\ud800\"", "Invalid input. Ensure that input is a valid JSON formatted string."),
            ("Edges_Index", "[1]", "row 0 has an array"),
            (
                "Edges_Index", "1e400",
                "a number beyond the range of a double (about ±1.8e308) at dataframe_split.data[0]["
            ),
            ("Edges_Index", "NaN", "(dataframe_split.data[0][14]): expected a value, found 'N'"),
            ("Edges_Index", "Infinity", "(dataframe_split.data[0][14]): expected a value, found 'I'"),
        ]
        for (column, cell, message) in cases {
            let response = F.post(replacing(column, with: cell))
            #expect(response.status == 400, "\(column)=\(cell)")
            #expect(
                (decoded(response)?["message"] as? String)?.contains(message) == true,
                "\(column)=\(cell): \(response.body)")
        }
        #expect(
            !F.post(replacing("Edges_Index", with: "\"\\ud800\"")).body.contains("beyond the range"),
            "a bad string is not called a number")
        #expect(
            F.post(replacing("Edges_Index", with: "1")).status == 200,
            "an integer for a double column is converted, as MLflow does")
        #expect(
            F.post(replacing("X_Minimum", with: "42.0")).status == 200,
            "a whole number written as a double fits a long column")
        let extra = F.splitBody(rows: [1], columns: F.data.features + ["Label"])
        #expect(F.post(extra).status == 200, "extra columns are ignored, as MLflow does")
    }

    @Test("protocol errors: status, MLflow's error JSON, and what to do")
    func protocolErrors() throws {
        let valid = F.splitBody(rows: [0])
        let cases: [(String, String?, Int, String)] = [
            ("", "application/json", 400, "the request body is empty"),
            (
                "{\"dataframe_split\": ", "application/json", 400,
                "Invalid input. Ensure that input is a valid JSON formatted string."
            ),
            ("[1, 2]", "application/json", 400, "received an array"),
            ("{\"data\": [[1]]}", "application/json", 400, "received none (unknown fields: data)"),
            ("{\"inputs\": [], \"instances\": []}", "application/json", 400, "received instances and inputs"),
            ("{\"instances\": [[1, 2]]}", "application/json", 400, "row 0 is an array; the model reads named columns"),
            ("{\"dataframe_split\": {\"data\": [[1]]}}", "application/json", 400, "dataframe_split needs \"columns\""),
            (
                "{\"dataframe_split\": {\"columns\": [\"a\", \"a\"], \"data\": []}}", "application/json", 400,
                "column 'a' appears twice"
            ),
            (
                "{\"dataframe_split\": {\"columns\": [\"a\"], \"data\": [[1, 2]]}}", "application/json", 400,
                "row 0 has 2 values for 1 columns"
            ),
            ("{\"inputs\": {\"a\": [1, 2], \"b\": [1]}}", "application/json", 400, "columns differ in length"),
            (valid, "text/plain", 415, "content type 'text/plain' is not supported"),
            (valid, nil, 415, "the request has no Content-Type header"),
            (valid, "application/json; charset=latin-1", 415, "charset 'latin-1' is not supported"),
            (valid, "application/json; format=pandas-split", 415, "unrecognized content type parameter 'format'"),
            ("a,b\n1", "text/csv", 400, "CSV line 2 has 1 fields for 2 columns"),
            ("a,b\n\"1,2", "text/csv", 400, "ends inside a quoted field"),
        ]
        for (body, type, status, message) in cases {
            let response = F.post(body, type: type)
            #expect(response.status == status, "\(body.prefix(60)) as \(type ?? "nothing")")
            let json = try #require(decoded(response), "\(response.body)")
            #expect((json["message"] as? String)?.contains(message) == true, "\(body.prefix(60)): \(response.body)")
            #expect(json["error_code"] is String && json["sqlstate"] is String && json["error_class"] is String)
        }
        let tooLarge = F.service.respond(
            method: "POST", path: "/invocations", contentType: "application/json", body: nil)
        #expect(tooLarge.status == 413 && tooLarge.body.contains("larger than 16 MiB"))
        #expect(
            F.service.respond(method: "GET", path: "/invocations", contentType: nil, body: nil)
                == ScoringResponse(
                    status: 405, contentType: "application/json", body: "{\"detail\":\"Method Not Allowed\"}",
                    model: nil))
        #expect(F.service.respond(method: "POST", path: "/predict", contentType: nil, body: nil).status == 404)
        for path in ["/ping", "/health", "/ping?x=1", "/health/"] {
            #expect(F.service.respond(method: "GET", path: path, contentType: nil, body: nil).body == "\n", "\(path)")
        }
        #expect(
            F.service.respond(method: "get", path: "/version", contentType: nil, body: nil).body
                == PlateShellVersion.current)
    }

    @Test("GET /model names the model in service: name, version, digest, URI (as the header does)")
    func modelEndpoint() throws {
        let response = F.service.respond(method: "GET", path: "/model", contentType: nil, body: nil)
        #expect(response.status == 200 && response.contentType == "application/json")
        let json = try #require(decoded(response), "\(response.body)")
        let served = F.source.model
        #expect(json["digest"] as? String == (try ModelDigest.of(directory: served.directory)))
        #expect((json["digest"] as? String)?.hasPrefix("sha256:") == true)
        #expect(json["uri"] as? String == F.source.uri && json["directory"] as? String == served.directory)
        #expect(json["name"] is NSNull && json["version"] is NSNull, "a directory is not a registered version")
        #expect(json["plateshell_version"] as? String == PlateShellVersion.current)
        #expect(response.model == served.label)
        #expect(F.service.respond(method: "POST", path: "/model", contentType: nil, body: nil).status == 405)
    }

    @Test("fuzz: 3000 damaged requests all get a 4xx with a JSON error, and valid ones still score")
    func fuzz() throws {
        var random = SeededRandom(seed: 7)
        let valid = Array(F.splitBody(rows: [0, 1, 2]).utf8)
        let records = Array(
            JSON.object([("dataframe_records", .array([.object(zip(F.data.features, F.cells(5)).map { ($0, $1) })]))])
                .serialized().utf8)
        let tokens = [
            "null", "true", "\"x\"", "1e999", "-0", "[]", "{}", "NaN", "Infinity", "18446744073709551616",
            "\"\\u0000\"", "\"\\ud800\"", ",", ":", "]", "}",
        ]
        var statuses: [Int: Int] = [:]
        for index in 0..<3000 {
            let base = index % 2 == 0 ? valid : records
            var body: [UInt8]
            switch index % 6 {
            case 0: body = Array(base.prefix(Int.random(in: 0..<base.count, using: &random))) // truncated
            case 1: // a byte flipped
                body = base
                body[Int.random(in: 0..<body.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 2:
                body = (0..<Int.random(in: 1...200, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            case 3: // a number replaced by an odd token
                var text = String(decoding: base, as: UTF8.self)
                let numbers = text.ranges(of: /-?[0-9][0-9.eE+-]*/)
                if let range = numbers.randomElement(using: &random) {
                    text.replaceSubrange(range, with: tokens.randomElement(using: &random)!)
                }
                body = Array(text.utf8)
            case 4: // a column renamed (missing + extra)
                let text = String(decoding: base, as: UTF8.self)
                let name = F.data.features.randomElement(using: &random)!
                body = Array(text.replacingOccurrences(of: "\"\(name)\"", with: "\"\(name)_x\"").utf8)
            default: // nesting and huge numbers
                let depth = Int.random(in: 1...400, using: &random)
                body = Array(
                    (String(repeating: "[", count: depth) + "1e400" + String(repeating: "]", count: depth / 2)).utf8)
            }
            let response = F.service.respond(
                method: "POST", path: "/invocations", contentType: "application/json", body: Data(body))
            statuses[response.status, default: 0] += 1
            let json = decoded(response)
            if response.status == 200 {
                #expect(json?["predictions"] is [Any], "\(String(decoding: body.prefix(120), as: UTF8.self))")
            } else {
                #expect(
                    (400..<500).contains(response.status) && json?["error_code"] is String
                        && json?["message"] is String,
                    "\(response.status) for \(String(decoding: body.prefix(120), as: UTF8.self))")
            }
            if index % 6 == 0 && body.count < base.count {
                #expect(response.status == 400, "a truncated body is refused")
            }
        }
        #expect(statuses[400, default: 0] > 2000, "\(statuses)")
        #expect(F.post(F.splitBody(rows: [0])).status == 200, "the service still scores")
    }
}
