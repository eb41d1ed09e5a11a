import Engine
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An in-memory stand-in for an MLflow tracking server on loopback: the REST calls PlateShell
/// makes (experiments, runs, log-batch, inputs, proxied artifacts, the registry), answered in
/// MLflow's shapes (MLFLOW.md §7), with faults a test injects per request (an error status, a
/// truncated or corrupted answer) and a log of what arrived. The real MLflow is checked in
/// `Tests/CrossCheck`; this one makes failures reproducible.
///
/// It serves plain HTTP/1.1 (one request per connection) from threads of its own, so it answers
/// whatever Swift's cooperative pool is doing.
public final class FakeMLflowServer: Sendable {
    /// What to do instead of answering normally.
    public enum Fault: Sendable {
        /// Answer with this status and MLflow's error JSON.
        case status(Int, code: String, message: String)
        /// Answer 200 with only the first bytes of the body.
        case truncate(Int)
        /// Answer 200 with one byte of the body changed.
        case corrupt
        /// Answer normally after this many seconds (the request has taken effect by then).
        case delay(TimeInterval)
    }

    public struct Request: Sendable {
        public let method: String
        public let path: String
        public let authorization: String?
    }

    /// What the connection threads and the test share.
    private final class Shared: Sendable {
        let state = Mutex(State())
        let faults = Mutex<@Sendable (Request) -> Fault?>({ _ in nil })
    }

    private let shared = Shared()
    private let listener: Int32
    public let port: Int

    /// Starts listening on loopback, on `port` (0: a free one).
    public init(port requested: Int = 0) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(requested).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 64) == 0
                    && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw EngineError(.io, "the fake MLflow server could not listen on port \(requested)")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let shared = self.shared
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                Thread { Self.serve(connection, shared) }.start()
            }
        }.start()
    }

    deinit { stop() }

    /// Answers one request on `connection`, then closes it.
    private static func serve(_ connection: Int32, _ shared: Shared) {
        defer { close(connection) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int?
        var bodyLength = 0
        while headEnd == nil || received.count < headEnd! + bodyLength {
            let count = recv(connection, &buffer, buffer.count, 0)
            if count <= 0 { return }
            received += buffer[0..<count]
            if headEnd == nil, let end = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                headEnd = end.upperBound
                let head = String(decoding: received[0..<end.lowerBound], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    bodyLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        let head = String(decoding: received[0..<(headEnd! - 4)], as: UTF8.self).split(separator: "\r\n").map(
            String.init)
        let requestLine = head.first?.split(separator: " ").map(String.init) ?? []
        guard requestLine.count >= 2 else { return }
        let target = requestLine[1]
        let path = String(target.split(separator: "?", maxSplits: 1).first ?? "")
        var query: [String: String] = [:]
        if let queryText = target.split(separator: "?", maxSplits: 1).dropFirst().first {
            for pair in queryText.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                query[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
        }
        let authorization = head.dropFirst().first { $0.lowercased().hasPrefix("authorization:") }
            .map { String($0.dropFirst("authorization:".count)).trimmingCharacters(in: .whitespaces) }
        let call = Request(
            method: requestLine[0], path: path.removingPercentEncoding ?? path, authorization: authorization)
        let body = Data(received[headEnd!...])
        shared.state.withLock { $0.requests.append(call) }
        var (status, data) = shared.state.withLock { $0.answer(call, query: query, body: body) }
        switch shared.faults.withLock({ $0 })(call) {
        case .status(let code, let errorCode, let message)?:
            status = code
            data = Data(#"{"error_code": "\#(errorCode)", "message": "\#(message)"}"#.utf8)
        case .truncate(let count)?: data = data.prefix(count)
        case .corrupt?: if !data.isEmpty { data[data.startIndex] ^= 0xFF }
        case .delay(let seconds)?: Thread.sleep(forTimeInterval: seconds)
        case nil: break
        }
        let answer =
            Array(
                "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(data.count)\r\nConnection: close\r\n\r\n"
                    .utf8) + Array(data)
        _ = RawHTTP.send(connection, answer)
    }

    /// The server's base URL.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Stops listening (a later request finds nothing: the server is "down").
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Sets the faults: the closure sees each request and may answer for it.
    public func inject(_ fault: @escaping @Sendable (Request) -> Fault?) { shared.faults.withLock { $0 = fault } }

    /// Every request so far.
    public var requests: [Request] { shared.state.withLock { $0.requests } }

    /// The runs created, by name: their params, tags, metric points, status and dataset names.
    public var runs: [String: RunState] {
        shared.state.withLock { state in Dictionary(state.runs.values.map { ($0.name, $0) }, uniquingKeysWith: { $1 }) }
    }

    /// Every run created, whatever its name.
    public var allRuns: [RunState] { shared.state.withLock { Array($0.runs.values) } }

    /// The experiments' names, by id.
    public var experimentNames: [String: String] {
        shared.state.withLock { Dictionary(uniqueKeysWithValues: $0.experiments.map { ($0.value, $0.key) }) }
    }

    /// The artifact files stored, by proxied path.
    public var artifacts: [String: Data] { shared.state.withLock { $0.artifacts } }

    /// Replaces a stored artifact's bytes (a file changed on the server after registration).
    public func replaceArtifact(_ path: String, with data: Data) { shared.state.withLock { $0.artifacts[path] = data } }

    /// Registers a version as another tool would (for example an sklearn model from Python).
    public func registerForeignVersion(name: String, files: [String: Data]) -> Int {
        shared.state.withLock { state in
            let runId = state.createRun(experimentId: "0", name: "foreign", tags: [:])
            for (path, data) in files { state.artifacts["0/\(runId)/artifacts/model/\(path)"] = data }
            return state.createVersion(name: name, source: "runs:/\(runId)/model", runId: runId, tags: [:])
        }
    }

    /// The LoggedModels created, by id: `source_run_id`, `status`, `output_of` (the run linked to it) …
    public var loggedModels: [String: [String: String]] { shared.state.withLock { $0.loggedModels } }

    /// Moves an alias as another client would.
    public func setAlias(_ name: String, alias: String, version: Int) {
        shared.state.withLock { $0.models[name]?.aliases[alias] = version }
    }

    public struct RunState: Sendable {
        public let id: String
        public let experimentId: String
        public let name: String
        public var status = "RUNNING"
        public var params: [String: String] = [:]
        public var tags: [String: String] = [:]
        public var metrics: [(key: String, value: Double, step: Int64)] = []
        public var datasets: [String] = []
    }

    struct ModelState {
        var description = ""
        var versions: [[String: Any]] = []
        var aliases: [String: Int] = [:]
    }

    struct State: @unchecked Sendable {
        var requests: [Request] = []
        var experiments: [String: String] = ["Default": "0"]
        var runs: [String: RunState] = [:]
        var artifacts: [String: Data] = [:]
        var models: [String: ModelState] = [:]
        /// LoggedModels by id: experiment, name, source run, status, the run they are outputs of.
        var loggedModels: [String: [String: String]] = [:]
        var runCounter = 0

        mutating func createRun(experimentId: String, name: String, tags: [String: String]) -> String {
            runCounter += 1
            let id = String(format: "%032x", runCounter)
            runs[id] = RunState(id: id, experimentId: experimentId, name: name, tags: tags)
            return id
        }

        mutating func createVersion(name: String, source: String, runId: String, tags: [String: String]) -> Int {
            if models[name] == nil { models[name] = ModelState() }
            let number = (models[name]!.versions.count) + 1
            models[name]!.versions.append([
                "name": name, "version": String(number), "current_stage": "None", "source": source, "run_id": runId,
                "tags": tags.map { ["key": $0.key, "value": $0.value] }, "description": "",
                "creation_timestamp": 1, "last_updated_timestamp": 1,
            ])
            return number
        }

        func json(_ object: Any) -> Data { (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8) }

        func missing(_ message: String) -> (Int, Data) {
            (404, json(["error_code": "RESOURCE_DOES_NOT_EXIST", "message": message]))
        }

        func version(_ name: String, _ number: Int) -> [String: Any]? {
            guard let model = models[name], number >= 1, number <= model.versions.count else { return nil }
            var version = model.versions[number - 1]
            version["aliases"] = model.aliases.filter { $0.value == number }.map(\.key)
            return version
        }

        func runJSON(_ run: RunState) -> [String: Any] {
            [
                "info": [
                    "run_id": run.id, "experiment_id": run.experimentId, "run_name": run.name, "status": run.status,
                    "start_time": 1,
                    "artifact_uri": "mlflow-artifacts:/\(run.experimentId)/\(run.id)/artifacts", "user_id": "",
                ],
                "data": [
                    "params": run.params.map { ["key": $0.key, "value": $0.value] },
                    "tags": run.tags.map { ["key": $0.key, "value": $0.value] },
                    "metrics": run.metrics.map { ["key": $0.key, "value": $0.value, "step": $0.step] },
                ],
            ]
        }

        mutating func answer(_ call: Request, query: [String: String], body: Data) -> (Int, Data) {
            let input = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
            let path = call.path.hasPrefix("/") ? String(call.path.dropFirst()) : call.path
            func pairs(_ key: String) -> [String: String] {
                Dictionary(
                    (input[key] as? [[String: Any]] ?? []).map {
                        ($0["key"] as? String ?? "", $0["value"] as? String ?? "")
                    }, uniquingKeysWith: { $1 })
            }
            let artifactPrefix = "api/2.0/mlflow-artifacts/artifacts"
            if path.hasPrefix(artifactPrefix + "/") {
                let file = String(path.dropFirst(artifactPrefix.count + 1))
                if call.method == "PUT" {
                    artifacts[file] = body
                    return (200, Data())
                }
                guard let data = artifacts[file] else { return missing("no artifact \(file)") }
                return (200, data)
            }
            switch (call.method, path) {
            case ("GET", artifactPrefix):
                let root = query["path"] ?? ""
                var entries: [String: Any] = [:]
                for (file, data) in artifacts where file.hasPrefix(root + "/") {
                    let rest = file.dropFirst(root.count + 1).split(separator: "/")
                    entries[String(rest[0])] =
                        rest.count == 1
                        ? ["path": String(rest[0]), "is_dir": false, "file_size": data.count]
                        : ["path": String(rest[0]), "is_dir": true]
                }
                return (200, json(entries.isEmpty ? [:] : ["files": Array(entries.values)]))
            case ("GET", "api/2.0/mlflow/experiments/get-by-name"):
                guard let id = experiments[query["experiment_name"] ?? ""] else {
                    return missing("Could not find experiment")
                }
                return (200, json(["experiment": ["experiment_id": id, "name": query["experiment_name"]!]]))
            case ("POST", "api/2.0/mlflow/experiments/create"):
                let id = String(experiments.count)
                experiments[input["name"] as? String ?? ""] = id
                return (200, json(["experiment_id": id]))
            case ("POST", "api/2.0/mlflow/experiments/search"):
                return (200, json(["experiments": experiments.map { ["experiment_id": $0.value, "name": $0.key] }]))
            case ("POST", "api/2.0/mlflow/runs/create"):
                let id = createRun(
                    experimentId: input["experiment_id"] as? String ?? "0", name: input["run_name"] as? String ?? "",
                    tags: pairs("tags"))
                return (200, json(["run": runJSON(runs[id]!)]))
            case ("POST", "api/2.0/mlflow/runs/search"):
                let filter = input["filter"] as? String ?? ""
                let found = runs.values.filter { run in
                    guard let match = filter.firstRange(of: "` = '") else { return true }
                    let key = String(filter[filter.index(filter.startIndex, offsetBy: 6)..<match.lowerBound])
                    return run.tags[key] == String(filter[match.upperBound...].dropLast())
                }
                return (200, json(["runs": found.map(runJSON)]))
            case ("GET", "api/2.0/mlflow/runs/get"):
                guard let run = runs[query["run_id"] ?? ""] else { return missing("Run not found") }
                return (200, json(["run": runJSON(run)]))
            case ("POST", "api/2.0/mlflow/runs/log-batch"):
                guard let id = input["run_id"] as? String, runs[id] != nil else { return missing("Run not found") }
                for (key, value) in pairs("params") {
                    if let old = runs[id]!.params[key], old != value {
                        return (
                            400,
                            json([
                                "error_code": "INVALID_PARAMETER_VALUE",
                                "message": "Changing param values is not allowed",
                            ])
                        )
                    }
                    runs[id]!.params[key] = value
                }
                runs[id]!.tags.merge(pairs("tags")) { $1 }
                for metric in input["metrics"] as? [[String: Any]] ?? [] {
                    runs[id]!.metrics.append(
                        (
                            metric["key"] as? String ?? "", (metric["value"] as? NSNumber)?.doubleValue ?? .nan,
                            (metric["step"] as? NSNumber)?.int64Value ?? 0
                        ))
                }
                return (200, json([:]))
            case ("POST", "api/2.0/mlflow/runs/log-inputs"):
                guard let id = input["run_id"] as? String, runs[id] != nil else { return missing("Run not found") }
                runs[id]!.datasets += (input["datasets"] as? [[String: Any]] ?? []).compactMap {
                    ($0["dataset"] as? [String: Any])?["name"] as? String
                }
                return (200, json([:]))
            case ("POST", "api/2.0/mlflow/runs/update"):
                guard let id = input["run_id"] as? String, runs[id] != nil else { return missing("Run not found") }
                runs[id]!.status = input["status"] as? String ?? "FINISHED"
                return (200, json(["run_info": [:]]))
            case ("POST", "api/2.0/mlflow/registered-models/create"):
                let name = input["name"] as? String ?? ""
                if models[name] != nil {
                    return (400, json(["error_code": "RESOURCE_ALREADY_EXISTS", "message": "exists"]))
                }
                models[name] = ModelState(description: input["description"] as? String ?? "")
                return (200, json(["registered_model": ["name": name]]))
            case ("PATCH", "api/2.0/mlflow/registered-models/update"):
                models[input["name"] as? String ?? ""]?.description = input["description"] as? String ?? ""
                return (200, json([:]))
            case ("GET", "api/2.0/mlflow/registered-models/get"), ("GET", "api/2.0/mlflow/registered-models/search"):
                let names = path.hasSuffix("get") ? [query["name"] ?? ""] : Array(models.keys)
                let found: [[String: Any]] = names.compactMap { name in
                    models[name].map {
                        [
                            "name": name, "description": $0.description,
                            "aliases": $0.aliases.map { ["alias": $0.key, "version": String($0.value)] },
                        ]
                    }
                }
                if path.hasSuffix("get") {
                    return found.isEmpty
                        ? missing("Registered Model with name=\(names[0]) not found")
                        : (200, json(["registered_model": found[0]]))
                }
                return (200, json(["registered_models": found]))
            case ("POST", "api/2.0/mlflow/model-versions/create"):
                let name = input["name"] as? String ?? ""
                guard models[name] != nil else { return missing("Registered Model with name=\(name) not found") }
                let number = createVersion(
                    name: name, source: input["source"] as? String ?? "", runId: input["run_id"] as? String ?? "",
                    tags: pairs("tags"))
                return (200, json(["model_version": version(name, number)!]))
            case ("GET", "api/2.0/mlflow/model-versions/get"):
                guard let found = version(query["name"] ?? "", Int(query["version"] ?? "") ?? 0) else {
                    return missing("Model Version not found")
                }
                return (200, json(["model_version": found]))
            case ("GET", "api/2.0/mlflow/model-versions/search"):
                let name = (query["filter"] ?? "").split(separator: "'").dropFirst().first.map(String.init) ?? ""
                return (200, json(["model_versions": models[name]?.versions ?? []]))
            case ("GET", "api/2.0/mlflow/model-versions/get-download-uri"):
                guard let found = version(query["name"] ?? "", Int(query["version"] ?? "") ?? 0),
                    let source = found["source"] as? String
                else {
                    return missing("Model Version not found")
                }
                if source.hasPrefix("models:/"), let model = loggedModels[String(source.dropFirst("models:/".count))] {
                    return (200, json(["artifact_uri": model["artifact_uri"]!]))
                }
                return (200, json(["artifact_uri": source]))
            case ("POST", "api/2.0/mlflow/logged-models"):
                let id = "m-" + String(format: "%032x", loggedModels.count + 1)
                let experiment = input["experiment_id"] as? String ?? "0"
                loggedModels[id] = [
                    "experiment_id": experiment, "name": input["name"] as? String ?? "",
                    "status": "LOGGED_MODEL_PENDING",
                    "source_run_id": input["source_run_id"] as? String ?? "",
                    "artifact_uri": "mlflow-artifacts:/\(experiment)/models/\(id)/artifacts",
                ]
                return (
                    200,
                    json(["model": ["info": ["model_id": id, "artifact_uri": loggedModels[id]!["artifact_uri"]!]]])
                )
            case ("POST", "api/2.0/mlflow/logged-models/search"):
                let found = loggedModels.filter {
                    (input["filter"] as? String ?? "").contains($0.value["source_run_id"] ?? "-")
                }
                return (
                    200,
                    json([
                        "models": found.map {
                            [
                                "info": [
                                    "model_id": $0.key, "name": $0.value["name"]!,
                                    "artifact_uri": $0.value["artifact_uri"]!,
                                ]
                            ]
                        }
                    ])
                )
            case ("POST", "api/2.0/mlflow/runs/outputs"):
                for model in input["models"] as? [[String: Any]] ?? [] {
                    if let id = model["model_id"] as? String {
                        loggedModels[id]?["output_of"] = input["run_id"] as? String
                    }
                }
                return (200, json([:]))
            case ("PATCH", _) where path.hasPrefix("api/2.0/mlflow/logged-models/"):
                let id = String(path.dropFirst("api/2.0/mlflow/logged-models/".count))
                guard loggedModels[id] != nil else { return missing("Logged model \(id) not found") }
                loggedModels[id]!["status"] = input["status"] as? String ?? ""
                return (200, json([:]))
            case ("POST", "api/2.0/mlflow/model-versions/transition-stage"):
                let name = input["name"] as? String ?? ""
                let number = Int(input["version"] as? String ?? "") ?? 0
                guard version(name, number) != nil else { return missing("Model Version not found") }
                let stage = input["stage"] as? String ?? "None"
                if input["archive_existing_versions"] as? Bool == true {
                    for index in models[name]!.versions.indices
                    where models[name]!.versions[index]["current_stage"] as? String == stage {
                        models[name]!.versions[index]["current_stage"] = "Archived"
                    }
                }
                models[name]!.versions[number - 1]["current_stage"] = stage
                return (200, json(["model_version": version(name, number)!]))
            case ("POST", "api/2.0/mlflow/registered-models/get-latest-versions"):
                let name = input["name"] as? String ?? ""
                let stage = (input["stages"] as? [String])?.first ?? "None"
                guard let model = models[name] else { return missing("Registered Model with name=\(name) not found") }
                return (
                    200,
                    json([
                        "model_versions": Array(
                            model.versions.filter { $0["current_stage"] as? String == stage }.suffix(1))
                    ])
                )
            case ("POST", "api/2.0/mlflow/registered-models/alias"):
                models[input["name"] as? String ?? ""]?.aliases[input["alias"] as? String ?? ""] = Int(
                    input["version"] as? String ?? "")
                return (200, json([:]))
            case ("DELETE", "api/2.0/mlflow/registered-models/alias"):
                models[input["name"] as? String ?? ""]?.aliases[input["alias"] as? String ?? ""] = nil
                return (200, json([:]))
            case ("GET", "api/2.0/mlflow/registered-models/alias"):
                let name = query["name"] ?? ""
                guard let number = models[name]?.aliases[query["alias"] ?? ""], let found = version(name, number) else {
                    return missing("Registered model alias \(query["alias"] ?? "") not found.")
                }
                return (200, json(["model_version": found]))
            default:
                return missing("unknown endpoint \(call.method) \(path)")
            }
        }
    }
}
