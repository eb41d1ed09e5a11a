import Foundation
import GRDB
import MLCore

extension Catalog {
    /// Registered model names: not empty, no `/` or `%` (MLflow's rule), at most 256 characters.
    static func validate(modelName name: String) throws {
        guard !name.isEmpty, name.count <= 256, !name.contains("/"), !name.contains("%"),
            !name.unicodeScalars.contains(where: { $0.value < 32 })
        else {
            throw EngineError(
                .invalidName, "'\(name)' is not a valid registered model name",
                hint: "use letters, digits, '-', '_' or '.', without '/' or '%'")
        }
    }

    /// Alias names: `[A-Za-z0-9_-]+`, not `latest` (any case) and not `v<digits>` (MLflow reserves them).
    static func validate(alias: String) throws {
        guard !alias.isEmpty,
            alias.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" })
        else {
            throw EngineError(
                .invalidName, "'\(alias)' is not a valid alias", hint: "an alias has letters, digits, '_' and '-'")
        }
        if alias.lowercased() == "latest"
            || (alias.lowercased().hasPrefix("v") && !alias.dropFirst().isEmpty
                && alias.dropFirst().allSatisfy(\.isNumber))
        {
            throw EngineError(
                .invalidName, "'\(alias)' is reserved by MLflow ('latest' and v<number> name versions)",
                hint: "choose another alias, for example champion")
        }
    }

    /// Creates the registered model if it does not exist; sets the description when one is given.
    @discardableResult
    public func registerModel(_ name: String, description: String? = nil, tags: [String: String] = [:]) throws
        -> RegisteredModel
    {
        try Self.validate(modelName: name)
        try write { db in
            let time = now()
            try db.execute(
                sql: "INSERT OR IGNORE INTO registered_models VALUES (?, '', ?, ?)", arguments: [name, time, time])
            if let description {
                try db.execute(
                    sql: "UPDATE registered_models SET description = ?, last_update_time = ? WHERE name = ?",
                    arguments: [description, time, name])
            }
            for (key, value) in tags {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO registered_model_tags VALUES (?, ?, ?)", arguments: [name, key, value])
            }
        }
        return try registeredModel(name)
    }

    /// The registered model named `name`.
    public func registeredModel(_ name: String) throws -> RegisteredModel {
        try read { db in
            guard
                let row = try Row.fetchOne(db, sql: "SELECT * FROM registered_models WHERE name = ?", arguments: [name])
            else {
                let known = try String.fetchAll(db, sql: "SELECT name FROM registered_models")
                throw try Self.unknownModel(name, known: known, db)
            }
            return try Self.registeredModel(row, db)
        }
    }

    public func registeredModels() throws -> [RegisteredModel] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM registered_models ORDER BY name").map {
                try Self.registeredModel($0, db)
            }
        }
    }

    static func registeredModel(_ row: Row, _ db: Database) throws -> RegisteredModel {
        let name: String = row["name"]
        let tags = try keyValues(db, "SELECT key, value FROM registered_model_tags WHERE name = ?", [name])
        let aliases = Dictionary(
            uniqueKeysWithValues: try Row.fetchAll(
                db, sql: "SELECT alias, version FROM model_aliases WHERE name = ?",
                arguments: [name]
            ).map { ($0["alias"] as String, $0["version"] as Int) })
        return RegisteredModel(
            name: name, description: row["description"], creationTime: row["creation_time"],
            lastUpdateTime: row["last_update_time"], tags: tags, aliases: aliases)
    }

    /// Creates the next version of `name` (max + 1, taken inside the inserting transaction, so two
    /// shells registering at once get distinct consecutive versions).
    public func createVersion(
        name: String, runId: String?, source: String, storageLocation: String, description: String,
        tags: [String: String]
    ) throws -> ModelVersion {
        try Self.validate(modelName: name)
        let version: Int = try write { db in
            let time = now()
            try db.execute(
                sql: "INSERT OR IGNORE INTO registered_models VALUES (?, '', ?, ?)", arguments: [name, time, time])
            let next =
                (try Int.fetchOne(db, sql: "SELECT max(version) FROM model_versions WHERE name = ?", arguments: [name])
                    ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO model_versions VALUES (?, ?, ?, ?, ?, ?, 'None', ?, ?)",
                arguments: [name, next, runId, source, storageLocation, description, time, time])
            for (key, value) in tags {
                try db.execute(
                    sql: "INSERT INTO model_version_tags VALUES (?, ?, ?, ?)", arguments: [name, next, key, value])
            }
            try db.execute(
                sql: "UPDATE registered_models SET last_update_time = ? WHERE name = ?", arguments: [time, name])
            return next
        }
        return try self.version(name, version)
    }

    /// Version `number` of `name`.
    public func version(_ name: String, _ number: Int) throws -> ModelVersion {
        _ = try registeredModel(name)
        return try read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM model_versions WHERE name = ? AND version = ?", arguments: [name, number])
            else {
                let count = try Int.fetchOne(
                    db, sql: "SELECT max(version) FROM model_versions WHERE name = ?", arguments: [name])
                throw EngineError(
                    .unknownValue, "\(name) has no version \(number)",
                    hint: count.map { "it has versions 1 to \($0)" } ?? "it has no versions yet: register one")
            }
            return try Self.version(row, db)
        }
    }

    /// Every version of `name`, oldest first.
    public func versions(_ name: String) throws -> [ModelVersion] {
        _ = try registeredModel(name)
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM model_versions WHERE name = ? ORDER BY version", arguments: [name])
                .map { try Self.version($0, db) }
        }
    }

    static func version(_ row: Row, _ db: Database) throws -> ModelVersion {
        let name: String = row["name"]
        let number: Int = row["version"]
        let tags = try keyValues(
            db, "SELECT key, value FROM model_version_tags WHERE name = ? AND version = ?", [name, number])
        let aliases = try String.fetchAll(
            db, sql: "SELECT alias FROM model_aliases WHERE name = ? AND version = ? ORDER BY alias",
            arguments: [name, number])
        return ModelVersion(
            name: name, version: number, runId: row["run_id"], source: row["source"],
            storageLocation: row["storage_location"],
            description: row["description"], stage: Stage(rawValue: row["stage"]) ?? .none,
            creationTime: row["creation_time"], lastUpdateTime: row["last_update_time"], tags: tags, aliases: aliases)
    }

    /// Sets a model's (or one version's) description.
    public func describe(_ name: String, version: Int? = nil, description: String) throws {
        if let version { _ = try self.version(name, version) } else { _ = try registeredModel(name) }
        try write { db in
            if let version {
                try db.execute(
                    sql:
                        "UPDATE model_versions SET description = ?, last_update_time = ? WHERE name = ? AND version = ?",
                    arguments: [description, now(), name, version])
            } else {
                try db.execute(
                    sql: "UPDATE registered_models SET description = ?, last_update_time = ? WHERE name = ?",
                    arguments: [description, now(), name])
            }
        }
    }

    /// Moves a version to a stage; with `archiveExisting` (Staging and Production only) every other
    /// version in that stage moves to Archived, as MLflow does.
    public func transition(_ name: String, version number: Int, to stage: Stage, archiveExisting: Bool) throws
        -> ModelVersion
    {
        _ = try version(name, number)
        try stage.checkTransition(archiveExisting: archiveExisting)
        try write { db in
            let time = now()
            if archiveExisting {
                try db.execute(
                    sql:
                        "UPDATE model_versions SET stage = 'Archived', last_update_time = ? WHERE name = ? AND stage = ? AND version != ?",
                    arguments: [time, name, stage.rawValue, number])
            }
            try db.execute(
                sql: "UPDATE model_versions SET stage = ?, last_update_time = ? WHERE name = ? AND version = ?",
                arguments: [stage.rawValue, time, name, number])
        }
        return try version(name, number)
    }

    /// Points `alias` at a version (moving it if it pointed elsewhere).
    public func setAlias(_ name: String, alias: String, version number: Int) throws {
        try Self.validate(alias: alias)
        _ = try version(name, number)
        try write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO model_aliases VALUES (?, ?, ?)", arguments: [name, alias, number])
        }
    }

    public func deleteAlias(_ name: String, alias: String) throws {
        let model = try registeredModel(name)
        guard model.aliases[alias] != nil else {
            throw EngineError(
                .unknownValue, "\(name) has no alias '\(alias)'",
                suggestions: Suggestions.closest(to: alias, among: Array(model.aliases.keys)))
        }
        try write { db in
            try db.execute(sql: "DELETE FROM model_aliases WHERE name = ? AND alias = ?", arguments: [name, alias])
        }
    }

    /// The version a `models:/` URI names, resolved as MLflow resolves it (`ModelURI`).
    public func resolve(_ uri: String) throws -> ModelVersion {
        let parsed = try ModelURI(parsing: uri)
        let model = try registeredModel(parsed.name)
        return try parsed.pick(from: try versions(parsed.name), aliases: model.aliases)
    }
}
