/// A group of commands — data, exploration, preparation, modelling, explanation, tracking,
/// registry, deployment, session — declared as one type: its rows, and the handlers that run them.
///
/// A handler sees only what its group's type holds: the group is made from the session for each
/// command, keeping the parts it may touch (the frame, the modelling state, the tracker, the
/// output, …) and nothing else.
///
/// For example:
/// ```swift
/// struct ExplorationCommands: CommandGroup {
///     let frames: FrameState
///     init(session: Session) { frames = session.frames }
///     static let rows = [CommandSpec("describe", ..., handler: run { try $0.describe($1) })]
///     func describe(_ arguments: Invocation) throws -> CommandOutput { ... }
/// }
/// ```
protocol CommandGroup {
    /// The group's rows of the command table.
    static var rows: [CommandSpec] { get }
    /// Whether the group's commands may read runs, the catalog or the registry, and so wait for
    /// the runs recorded before them to be finished (`RunFinisher`). Groups that compute on the
    /// session's state alone say no, and run while earlier runs' files are written.
    static var readsTracking: Bool { get }
    /// The group's view of the session, for one command.
    init(session: Session)
}

extension CommandGroup {
    static var readsTracking: Bool { true }

    /// A row's handler: makes the group from the session, then runs `body` on it.
    static func run(_ body: @escaping @Sendable (Self, Invocation) throws -> CommandOutput) -> CommandSpec.Handler {
        let waitsForRuns = readsTracking
        return { session, invocation in
            if waitsForRuns { session.tracking.finisher.settle() }
            return try body(Self(session: session), invocation)
        }
    }
}
