import CCrypto
import Foundation
import MLCore

/// A run's state, as MLflow names it.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case running = "RUNNING"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"

    /// The integer MLflow's file store writes (1 RUNNING, 3 FINISHED, 4 FAILED, 5 KILLED).
    public var fileStoreCode: Int {
        switch self {
        case .running: 1
        case .finished: 3
        case .failed: 4
        case .killed: 5
        }
    }
}

/// A registry stage (deprecated in MLflow 2.9 in favour of aliases, still supported everywhere).
public enum Stage: String, Sendable, Codable, CaseIterable {
    case none = "None"
    case staging = "Staging"
    case production = "Production"
    case archived = "Archived"

    /// The stage named, any case (as MLflow canonicalises it).
    ///
    /// - Throws: `EngineError.invalidArgument` with MLflow's wording and the valid stages.
    public static func parse(_ text: String) throws -> Stage {
        guard let stage = allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
            throw EngineError(
                .invalidArgument,
                "invalid model version stage '\(text)'; it must be one of None, Staging, Production, Archived",
                suggestions: Suggestions.closest(to: text, among: allCases.map(\.rawValue)))
        }
        return stage
    }

    /// Checks a move to this stage: archiving the versions already in a stage (`archiveExisting`)
    /// applies only to Staging and Production, as in MLflow.
    ///
    /// - Throws: `EngineError.invalidArgument` for `archiveExisting` with any other stage.
    public func checkTransition(archiveExisting: Bool) throws {
        if archiveExisting && self != .staging && self != .production {
            throw EngineError(.invalidArgument, "archive=true only applies when moving to Staging or Production")
        }
    }
}

/// One point of a metric's history.
public struct MetricPoint: Sendable, Equatable, Codable {
    public let key: String
    public let value: Double
    /// Milliseconds since the Unix epoch.
    public let timestamp: Int64
    public let step: Int64

    public init(key: String, value: Double, timestamp: Int64, step: Int64 = 0) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.step = step
    }
}

/// A dataset a run used, as MLflow's `log_input` records it.
public struct DatasetInput: Sendable, Equatable, Codable {
    public let name: String
    public let digest: String
    public let sourceType: String
    /// JSON text: `{"uri": ...}`.
    public let source: String
    /// JSON text: `{"mlflow_colspec": [...]}`.
    public let schema: String
    /// JSON text: `{"num_rows": N, "num_elements": M}`.
    public let profile: String
    /// `training`, `eval` ...
    public let context: String

    public init(
        name: String, digest: String, sourceType: String, source: String, schema: String, profile: String,
        context: String
    ) {
        self.name = name
        self.digest = digest
        self.sourceType = sourceType
        self.source = source
        self.schema = schema
        self.profile = profile
        self.context = context
    }

    /// MLflow's dataset id: md5 of name + digest.
    public var id: String { MD5.hex(name + digest) }
}

public struct Experiment: Sendable, Equatable {
    public let id: String
    public let name: String
    public let artifactLocation: String
    public let creationTime: Int64
    public let lastUpdateTime: Int64
}

/// A run as the catalog stores it.
public struct RunRecord: Sendable, Equatable {
    public let id: String
    public let experimentId: String
    public let name: String
    public let status: RunStatus
    public let startTime: Int64
    public let endTime: Int64?
    public let user: String
    public let artifactURI: String
}

public struct RegisteredModel: Sendable, Equatable {
    public let name: String
    public let description: String
    public let creationTime: Int64
    public let lastUpdateTime: Int64
    public let tags: [String: String]
    /// Alias → version.
    public let aliases: [String: Int]
}

public struct ModelVersion: Sendable, Equatable {
    public let name: String
    public let version: Int
    public let runId: String?
    /// What was registered (`runs:/<run>/model`).
    public let source: String
    /// Where the files are (`file://…/model`).
    public let storageLocation: String
    public let description: String
    public let stage: Stage
    public let creationTime: Int64
    public let lastUpdateTime: Int64
    public let tags: [String: String]
    public let aliases: [String]
}

/// Milliseconds since the Unix epoch.
public func millisecondsNow() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

/// MD5 and random ids in MLflow's shapes.
public enum MD5 {
    /// Lowercase hex MD5 of the UTF-8 text (MLflow's dataset and input ids).
    public static func hex(_ text: String) -> String {
        var digest = [UInt8](repeating: 0, count: 16)
        var length: UInt32 = 0
        let context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_md5(), nil)
        var copy = text
        copy.withUTF8 { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        EVP_DigestFinal_ex(context, &digest, &length)
        EVP_MD_CTX_free(context)
        return digest.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// 32 lowercase hex characters (MLflow's `uuid4().hex`).
    public static func randomId() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
