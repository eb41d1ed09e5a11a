/// What a row runs: the arguments its handler declares, and the handler made able to run on
/// the session (`CommandGroup.run`).
struct CommandAction: Sendable {
    /// Runs a command against the session.
    typealias Perform = @Sendable (Session, Invocation) throws -> CommandOutput

    let arguments: [ArgumentSlot]
    let perform: Perform

    /// A handler that chooses between groups by its arguments (`predict with=`, `models
    /// registered`): it gets the session, and makes the group it hands the command to. Either
    /// group may read runs or the registry, so it first waits for the runs recorded before it
    /// (`predict with=runs:/ID/model` right after `fit` reads files the run finisher writes).
    static func dispatching<Declared: CommandArguments>(
        _ body: @escaping @Sendable (Session, Arguments<Declared>) throws -> CommandOutput
    ) -> CommandAction {
        CommandAction(arguments: Declared.declarations) { session, invocation in
            session.tracking.finisher.settle()
            return try body(session, Arguments(invocation))
        }
    }
}

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
///     struct DescribeArguments: CommandArguments {
///         let columns = Positional<[String]?>(variadic: "columns", .columns, help: "the columns")
///     }
///     func describe(_ arguments: Arguments<DescribeArguments>) throws -> CommandOutput { ... }
/// }
/// ```
protocol CommandGroup: SendableMetatype {
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

    /// A row's handler: its arguments are those of `Declared`; it makes the group from the
    /// session, then runs `body` on it with the command's arguments bound.
    static func run<Declared: CommandArguments>(
        _ body: @escaping @Sendable (Self, Arguments<Declared>) throws -> CommandOutput
    ) -> CommandAction {
        let waitsForRuns = readsTracking
        return CommandAction(arguments: Declared.declarations) { session, invocation in
            if waitsForRuns { session.tracking.finisher.settle() }
            return try body(Self(session: session), Arguments(invocation))
        }
    }

    /// A row's handler for a command without arguments.
    static func run(_ body: @escaping @Sendable (Self) throws -> CommandOutput) -> CommandAction {
        run { (group, _: Arguments<NoArguments>) in try body(group) }
    }
}
