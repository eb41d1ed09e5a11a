/// The command being run, as the runs it records describe their source: where it came from, its
/// text and when it started. `Session.execute` makes one per command and binds it into the
/// command's `Invocation`; the tracking state reads it from there.
struct CommandContext: Sendable {
    let origin: Origin
    /// The command's text, a Spark Connect token in it replaced by `***` (the `plateshell.command` tag).
    let text: String
    /// When the command started (ms since the epoch): its run's start time.
    let started: Int64
}
