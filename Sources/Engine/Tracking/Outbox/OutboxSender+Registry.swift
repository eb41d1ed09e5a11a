import Foundation
import MLCore

/// Delivering the registry writes queued while the server could not take them: a registration
/// (numbered by the server when it arrives, after the run's other items) and the stage changes
/// and aliases queued behind it.
extension OutboxSender {
    /// The version tag that names the queued registration a version was made by, so a retry after
    /// a lost answer finds that version instead of making a second one.
    public static let registrationTag = "plateshell.registration"

    /// Registers the run's model as the next version of `name` (or finds the version a lost
    /// answer made), tagged with the model's digest; returns the server's number for it.
    func sendRegistration(
        _ item: Outbox.Pending, remoteRun: String, name: String, description: String?, versionDescription: String,
        tags: [String: String], key: String
    ) throws -> Int {
        if item.attempts > 0,
            let made = try client.versions(name, aliases: [:]).first(where: { $0.tags[Self.registrationTag] == key })
        {
            return made.version
        }
        var versionTags = tags
        versionTags[ModelDigest.tag] = try ModelDigest.of(
            directory: artifactRoot + "/" + item.runId + "/" + ModelArtifact.directory)
        versionTags[Self.registrationTag] = key
        let loggedModel = try outbox.remoteModel(item.runId)
        try outbox.noteAttempt(item.seq)
        try client.registerModel(name, description: description)
        return try client.createVersion(
            name: name,
            source: loggedModel.map { "models:/\($0)" } ?? "runs:/\(remoteRun)/\(ModelArtifact.directory)",
            runId: remoteRun, modelId: loggedModel, description: versionDescription, tags: versionTags
        ).version
    }

    /// The server's number of a version a queued stage change or alias names.
    ///
    /// - Throws: `EngineError.unknownValue` when it names a queued registration the server never took.
    func number(of version: QueuedVersion) throws -> Int {
        switch version {
        case .number(let number): return number
        case .registration(let key):
            guard let number = try outbox.version(registeredAs: key) else {
                throw EngineError(
                    .unknownValue, "the queued registration it applies to never reached the server",
                    hint: "'tracking status' lists what the server refused")
            }
            return number
        }
    }
}
