import Foundation
import MLCore

/// A model ready to score: what it is, which registered version (if any) it came from, and its
/// input signature.
public struct ServedModel: Sendable {
    public let model: LoggedModel
    public let inputs: [SignatureColumn]
    /// The registered model and version it came from, or nil for a run or directory.
    public let name: String?
    public let version: Int?
    /// Where its files are.
    public let directory: String
    /// The SHA-256 digest of its files (`ModelDigest`), as the registry's `plateshell.model_digest` tag.
    public let digest: String
    /// What an inference log records of it, shared by every request it scores.
    public let identity: Identity

    /// The version's names, shared by reference so that a scored request carries it for one
    /// retain (the inference log keeps a request per answer).
    public final class Identity: Sendable {
        /// The registered model's name, or the directory for a model outside the registry.
        public let model: String
        public let version: Int?
        public let digest: String
        public let inputs: [String]
        public let outputs: [String]

        init(model: String, version: Int?, digest: String, inputs: [String], outputs: [String]) {
            self.model = model
            self.version = version
            self.digest = digest
            self.inputs = inputs
            self.outputs = outputs
        }
    }

    /// "et-fsp-model/3", or the directory for a model outside the registry.
    public var label: String {
        if let name, let version { return "\(name)/\(version)" }
        return directory
    }

    /// Loads the model directory (`pipeline.json` and the signature in `MLmodel`).
    ///
    /// - Throws: `EngineError` naming the file that is missing or damaged.
    public init(directory: String, name: String? = nil, version: Int? = nil) throws {
        self.model = try ModelArtifact.load(directory: directory)
        self.inputs = try ModelArtifact.inputSignature(directory: directory)
        guard inputs.map(\.name) == model.features else {
            throw EngineError(
                .invalidData,
                "the signature in '\(directory)/MLmodel' does not list the model's \(model.features.count) features",
                hint: "register the model again from its run")
        }
        self.directory = directory
        digest = try ModelDigest.of(directory: directory)
        self.name = name
        self.version = version
        identity = Identity(
            model: name ?? directory, version: version, digest: digest, inputs: inputs.map(\.name),
            outputs: Self.outputSchema(of: model).map(\.name))
    }

    /// The scoring protocol's answer for `outputs` (the columns `outputColumns` gives): one
    /// record per row, `predicted` and `proba_<class>` for a classifier, `pc1…` for a transform.
    static func predictions(_ outputs: [Column], rows: Int) -> JSON {
        .array(
            (0..<rows).map { row in
                .object(
                    outputs.map { column in
                        switch column.value(at: row) {
                        case .text(let text): (column.name, .string(text))
                        case .real(let value): (column.name, .number(value))
                        case .integer(let value): (column.name, .integer(value))
                        case .missing: (column.name, .null)
                        }
                    })
            })
    }

    /// The columns `outputColumns` gives, without rows.
    public var outputSchema: [ColumnSchema] { Self.outputSchema(of: model) }

    private static func outputSchema(of model: LoggedModel) -> [ColumnSchema] {
        switch model {
        case .classifier(let pipeline):
            [ColumnSchema(name: "predicted", type: .text)]
                + pipeline.classes.map { ColumnSchema(name: "proba_\($0)", type: .real) }
        case .transform(let features, let preprocessing):
            (0..<(preprocessing.pca?.keptComponents ?? features.count)).map {
                ColumnSchema(name: "pc\($0 + 1)", type: .real)
            }
        }
    }

    /// The outputs for `x` as table columns (the logged signature's outputs).
    public func outputColumns(_ x: Matrix) -> [Column] {
        switch model {
        case .classifier(let pipeline):
            return pipeline.predictionColumns(x)
        case .transform(_, let preprocessing):
            let components = preprocessing.transform(x)
            return (0..<components.columns).map { Column(name: "pc\($0 + 1)", storage: .real(components.column($0))) }
        }
    }
}
