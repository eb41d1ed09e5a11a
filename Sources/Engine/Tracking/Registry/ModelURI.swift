import MLCore

/// A `models:/` URI, parsed: which version of which registered model it asks for, as MLflow reads
/// it (`mlflow/store/artifact/utils/models.py`, MLFLOW.md §5).
///
/// For example: `models:/et-fsp-model/3` (a version), `models:/et-fsp-model/Production` (the
/// highest version in that stage, any case), `models:/et-fsp-model/latest` (the highest version),
/// `models:/et-fsp-model@champion` (the version the alias names; `@latest` is the highest).
public enum ModelURI: Sendable, Equatable {
    case version(name: String, number: Int)
    case stage(name: String, Stage)
    case latest(name: String)
    case alias(name: String, alias: String)

    /// - Throws: `EngineError.invalidArgument` when `uri` is not a `models:/` URI naming a
    ///   version, stage or alias.
    public init(parsing uri: String) throws {
        guard uri.hasPrefix("models:/") else {
            throw EngineError(
                .invalidArgument, "'\(uri)' is not a models:/ URI",
                hint: "for example models:/et-fsp-model/Production or models:/et-fsp-model@champion")
        }
        let rest = String(uri.dropFirst("models:/".count))
        if let at = rest.firstIndex(of: "@") {
            let name = String(rest[..<at])
            let alias = String(rest[rest.index(after: at)...])
            guard !name.isEmpty, !alias.isEmpty else {
                throw EngineError(.invalidArgument, "'\(uri)' names no model or alias", hint: "models:/NAME@ALIAS")
            }
            self = alias.lowercased() == "latest" ? .latest(name: name) : .alias(name: name, alias: alias)
            return
        }
        guard let slash = rest.lastIndex(of: "/"), slash != rest.startIndex else {
            throw EngineError(
                .invalidArgument, "'\(uri)' names no version, stage or alias",
                hint: "models:/NAME/VERSION, models:/NAME/STAGE or models:/NAME@ALIAS")
        }
        let name = String(rest[..<slash])
        let selector = String(rest[rest.index(after: slash)...])
        if let number = Int(selector) {
            self = .version(name: name, number: number)
        } else if selector.lowercased() == "latest" {
            self = .latest(name: name)
        } else {
            self = .stage(name: name, try Stage.parse(selector))
        }
    }

    /// The registered model's name.
    public var name: String {
        switch self {
        case .version(let name, _), .stage(let name, _), .latest(let name), .alias(let name, _): name
        }
    }

    /// The version this URI names among `versions` (for a registry that lists them all); aliases
    /// are looked up in `aliases`. `place` ends the messages: "" for the workspace's catalog,
    /// " on the MLflow server at URL" for a server.
    ///
    /// - Throws: `EngineError.unknownValue` naming what is missing, with the known values.
    public func pick(from versions: [ModelVersion], aliases: [String: Int], place: String = "") throws -> ModelVersion {
        switch self {
        case .version(let name, let number):
            guard let match = versions.first(where: { $0.version == number }) else {
                throw EngineError(
                    .unknownValue, "\(name) has no version \(number)\(place)",
                    hint: versions.last.map { "it has versions 1 to \($0.version)" }
                        ?? "it has no versions yet: register one")
            }
            return match
        case .latest(let name):
            guard let last = versions.max(by: { $0.version < $1.version }) else {
                throw EngineError(.unknownValue, "\(name) has no versions\(place)")
            }
            return last
        case .stage(let name, let stage):
            guard let match = versions.filter({ $0.stage == stage }).max(by: { $0.version < $1.version }) else {
                throw EngineError(
                    .unknownValue, "no versions of model '\(name)' are in stage '\(stage.rawValue)'\(place)",
                    hint: "'versions \(name)' shows each version's stage")
            }
            return match
        case .alias(let name, let alias):
            guard let number = aliases[alias], let match = versions.first(where: { $0.version == number }) else {
                throw EngineError(
                    .unknownValue, "\(name) has no alias '\(alias)'\(place)",
                    suggestions: Suggestions.closest(to: alias, among: Array(aliases.keys)))
            }
            return match
        }
    }
}
