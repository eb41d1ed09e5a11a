import MLCore

/// The tracking server a tracker sends to, and the workspace's queue for it: what `tracking`
/// shows, waits for (`tracking flush`, quitting) and checks, and where models are fetched from.
///
/// A tracker has one when a server is the registry of record (`Tracker.remote`); the embedded
/// tracker has none.
public protocol RemoteTracking: AnyObject, Sendable {
    /// The server, the registry of record.
    var client: MLflowClient { get }
    /// Delivers the workspace's outbox (its `outbox`) to the server in the background.
    var sender: OutboxSender { get }
}
