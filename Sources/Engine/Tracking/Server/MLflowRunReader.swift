import MLCore

/// The runs of an MLflow tracking server, read over REST. A run id may be the server's (whole, a
/// unique prefix among the server's runs, or `latest`) or the id of a workspace run that was sent
/// there. Made for one command: what it fetched is kept for the rest of the command.
public final class MLflowRunReader: RunReader {
    public let client: MLflowClient
    /// The server's id of a workspace run (full id or unique prefix), if it was sent; throws
    /// when that cannot be read.
    private let sentRun: (String) throws -> String?
    private var documents: [String: MLflowClient.RunDocument] = [:]

    public init(client: MLflowClient, sentRun: @escaping (String) throws -> String?) {
        self.client = client
        self.sentRun = sentRun
    }

    public var location: String { "the MLflow server at \(client.server)" }

    public func experiments() throws -> [Experiment] {
        try MLflowClient.translatingErrors { try client.experiments() }
    }

    public func runs(experimentId: String?) throws -> [RunRecord] {
        try MLflowClient.translatingErrors {
            let ids = try experimentId.map { [$0] } ?? client.experiments().map(\.id)
            let found = try client.searchRuns(experimentIds: ids)
            for document in found { documents[document.record.id] = document }
            return found.map(\.record)
        }
    }

    public func run(_ id: String) throws -> RunRecord {
        try document(id).record
    }

    public func params(of runId: String) throws -> [String: String] { try document(runId).params }
    public func tags(of runId: String) throws -> [String: String] { try document(runId).tags }
    public func latestMetrics(of runId: String) throws -> [String: Double] { try document(runId).latestMetrics }
    public func inputs(of runId: String) throws -> [DatasetInput] { try document(runId).inputs }

    public func metrics(of runId: String) throws -> [MetricPoint] {
        let document = try document(runId)
        return try MLflowClient.translatingErrors {
            try document.latestMetrics.keys.sorted().flatMap { key in
                try client.metricHistory(runId: document.record.id, key: key).sorted {
                    ($0.step, $0.timestamp) < ($1.step, $1.timestamp)
                }
            }
        }
    }

    public func artifacts(of runId: String) throws -> [(path: String, size: Int)] {
        let document = try document(runId)
        return try MLflowClient.translatingErrors {
            try client.listArtifacts(root: try client.proxiedPath(of: document.record.artifactURI)).map {
                ($0.path, $0.size)
            }
        }
    }

    public func artifactLocation(of runId: String) throws -> String { try document(runId).record.artifactURI }

    /// The run `id` names, fetched once per reader.
    private func document(_ id: String) throws -> MLflowClient.RunDocument {
        if let known = documents[id] { return known }
        let document = try MLflowClient.translatingErrors { try find(id) }
        documents[id] = document
        documents[document.record.id] = document
        return document
    }

    private func find(_ id: String) throws -> MLflowClient.RunDocument {
        let lowered = id.lowercased()
        if lowered == "latest" {
            guard let newest = try client.searchRuns(experimentIds: client.experiments().map(\.id), limit: 1).first
            else {
                throw EngineError(
                    .unknownValue, "no runs yet on \(location)", hint: "pca, fit, tune and compare record runs")
            }
            return newest
        }
        guard !id.isEmpty, id.allSatisfy(\.isHexDigit) else {
            throw EngineError(
                .unknownValue, "'\(id)' is not a run id (32 hex digits, or a prefix of them)",
                hint: "'runs' lists the runs")
        }
        if let remote = try sentRun(lowered) { return try client.run(id: remote) }
        if id.count == 32 {
            do { return try client.run(id: lowered) } catch let error as MLflowError where error.isNotFound {
                throw EngineError(.unknownValue, "no run with id '\(id)' on \(location)", hint: "'runs' lists the runs")
            }
        }
        let matches = try client.searchRuns(experimentIds: client.experiments().map(\.id)).filter {
            $0.record.id.hasPrefix(lowered)
        }
        guard matches.count == 1 else {
            throw EngineError(
                .unknownValue,
                matches.isEmpty
                    ? "no run with id '\(id)' on \(location)" : "run id '\(id)' is ambiguous; give more characters",
                hint: "'runs' lists the runs")
        }
        return matches[0]
    }
}
