import Foundation
import MLCore

/// A registration `register` queues when the server cannot take it now.
struct QueuedRegistration {
    let runId: String
    let name: String
    let description: String?
    let versionDescription: String
    let tags: [String: String]
    /// Names this registration (the version's `plateshell.registration` tag, and what queued stage
    /// changes and aliases wait for).
    let key: String
}

/// Registry writes that wait in the outbox: a registration made while the server could not take
/// it is queued after its run's items (the server numbers the version when it arrives), and the
/// stage changes and aliases of that model made after it wait behind it, in order — so an outage
/// never stops a script at `register`, and a later `stage … latest` or `alias` applies to the
/// version that registration makes.
extension ServerTracker {
    /// Queues `registration` (because of `reason`); `mayHaveArrived` when an attempt to make it got
    /// no answer (the sender then looks for the version by its key before it makes one).
    func queue(_ registration: QueuedRegistration, because reason: String, mayHaveArrived: Bool = false) throws
        -> Registration
    {
        let item = OutboxItem.registerVersion(
            name: registration.name, description: registration.description,
            versionDescription: registration.versionDescription, tags: registration.tags, key: registration.key)
        var queued = entry(registration.runId, item)
        queued.attempts = mayHaveArrived ? 1 : 0
        try catalog.enqueue([queued])
        sender.wake()
        return .queued(name: registration.name, runId: registration.runId, reason: reason)
    }

    /// Whether a registration of `name` waits in the queue (then its stage changes and aliases
    /// wait behind it: `queueTransition`, `queueAlias`).
    public func hasQueuedRegistration(of name: String) throws -> Bool {
        try sender.outbox.pendingRegistration(of: name) != nil
    }

    /// Queues a stage change of `name` behind its queued registration: `version` is `latest` (the
    /// version that registration makes) or a number.
    ///
    /// - Returns: false when no registration of `name` is queued (the change goes to the server).
    /// - Throws: `EngineError.invalidArgument` for a version that is neither, or `archiveExisting`
    ///   with a stage other than Staging or Production.
    public func queueTransition(_ name: String, version: String, to stage: Stage, archiveExisting: Bool) throws
        -> Bool
    {
        guard let pending = try sender.outbox.pendingRegistration(of: name) else { return false }
        try stage.checkTransition(archiveExisting: archiveExisting)
        let item = OutboxItem.transition(
            name: name, version: try Self.queuedVersion(version, pending: pending.key), stage: stage,
            archiveExisting: archiveExisting)
        try catalog.enqueue([entry(pending.runId, item)])
        sender.wake()
        return true
    }

    /// Queues alias `alias` of `name` behind its queued registration (`version` as for `queueTransition`).
    ///
    /// - Returns: false when no registration of `name` is queued (the alias goes to the server).
    public func queueAlias(_ name: String, alias: String, version: String) throws -> Bool {
        guard let pending = try sender.outbox.pendingRegistration(of: name) else { return false }
        try Catalog.validate(alias: alias)
        let item = OutboxItem.setAlias(
            name: name, alias: alias, version: try Self.queuedVersion(version, pending: pending.key))
        try catalog.enqueue([entry(pending.runId, item)])
        sender.wake()
        return true
    }

    private static func queuedVersion(_ text: String, pending key: String) throws -> QueuedVersion {
        if text.lowercased() == "latest" { return .registration(key) }
        guard let number = Int(text), number > 0 else {
            throw EngineError(
                .invalidArgument, "'\(text)' is not a version",
                hint: "a registration of this model is queued: say latest for the version it makes, or a number")
        }
        return .number(number)
    }
}
