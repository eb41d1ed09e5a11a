import MLCore

/// The parts of PlateShell a session reaches in targets the Interpreter does not import: Spark
/// Connect's table store and the scoring server's HTTP listener. The front end hands
/// `Connectors.standard` (target `StandardConnectors`) to each session, so the Interpreter builds beside
/// those targets rather than after them.
public struct Connectors: Sendable {
    /// Opens the table store of the Spark Connect server `remote` (connecting on first use).
    public let remoteTables: @Sendable (_ remote: SparkRemote, _ cancellation: Cancellation) -> any RemoteTableStorage
    /// Makes a scoring server for `service` on `host`:`port` (0 for any free port) that checks
    /// its model URI every `followInterval`; it listens once started.
    public let scoringServer:
        @Sendable (_ service: ScoringService, _ host: String, _ port: Int, _ followInterval: Duration) ->
            any ScoringListener

    public init(
        remoteTables: @escaping @Sendable (SparkRemote, Cancellation) -> any RemoteTableStorage,
        scoringServer: @escaping @Sendable (ScoringService, String, Int, Duration) -> any ScoringListener
    ) {
        self.remoteTables = remoteTables
        self.scoringServer = scoringServer
    }
}
