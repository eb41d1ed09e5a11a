import Engine
import ScoringHTTP
import SparkConnect

extension Connectors {
    /// Spark Connect's table store and libmicrohttpd's scoring server: what the front ends and
    /// the tests hand to a session.
    public static let standard = Connectors(
        remoteTables: { remote, cancellation in
            SparkTableStore(session: SparkSession(remote: remote, cancellation: cancellation))
        },
        scoringServer: { service, host, port, followInterval in
            ScoringServer(service: service, host: host, port: port, followInterval: followInterval)
        })
}
