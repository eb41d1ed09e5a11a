import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

/// The HTTP client (libcurl, opened on first use) against the fake MLflow server: methods and
/// bodies as sent, statuses as answers, no answer as a transport error.
@Suite("HTTP client")
struct HTTPClientTests {
    @Test("methods with and without bodies arrive as sent; an error status is an answer; headers are read")
    func exchanges() throws {
        let server = try FakeMLflowServer()
        let http = HTTPClient(timeout: 10)
        let created = try http.send(
            "POST", url: server.url + "/api/2.0/mlflow/experiments/create",
            headers: ["Content-Type: application/json"], body: Data(#"{"name": "e"}"#.utf8))
        #expect(created.status == 200 && String(decoding: created.body, as: UTF8.self).contains("experiment_id"))
        #expect(created.header("CONTENT-TYPE")?.hasPrefix("application/json") == true)

        let file = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let path = "/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/model/big.bin"
        #expect(try http.send("PUT", url: server.url + path, body: file).status == 200)
        #expect(try http.send("GET", url: server.url + path).body == file, "a large body goes and comes back whole")
        let search = try http.send("POST", url: server.url + "/api/2.0/mlflow/experiments/search", body: Data())
        #expect(search.status == 200, "an empty body")

        let missing = try http.send("GET", url: server.url + "/api/2.0/mlflow/runs/get?run_id=nope")
        #expect(missing.status == 404 && String(decoding: missing.body, as: UTF8.self).contains("Run not found"))
        #expect(
            server.requests.map { "\($0.method) \($0.path.drop { $0 == "/" })" }.suffix(5) == [
                "POST api/2.0/mlflow/experiments/create", "PUT \(path.dropFirst())", "GET \(path.dropFirst())",
                "POST api/2.0/mlflow/experiments/search", "GET api/2.0/mlflow/runs/get",
            ])
    }

    @Test("no answer is a transport error in libcurl's words, with its code")
    func unreachable() throws {
        #expect {
            try HTTPClient(timeout: 5).send("GET", url: "http://127.0.0.1:9/")
        } throws: { error in
            guard let error = error as? HTTPTransportError else { return false }
            return error.code == 7 && error.message.contains("127.0.0.1") // CURLE_COULDNT_CONNECT
        }
    }

    @Test("header lines: names in any case, repeated fields joined, the status line skipped")
    func headerFields() {
        let fields = HTTPAnswer.fields("HTTP/1.1 200 OK\r\nX-PlateShell-Model: m/2\r\nVary: a\r\nvary: b\r\n\r\n")
        #expect(fields == ["x-plateshell-model": "m/2", "vary": "a, b"])
    }
}
