import Engine

/// A command's bound arguments, read by the names its `CommandArguments` type declares:
/// `arguments.variance` is the `Double` that `PCAArguments.variance` declares — as written, or
/// its default —, `arguments.components` an `Int?`.
@dynamicMemberLookup
struct Arguments<Declared: CommandArguments>: Sendable {
    /// The command as checked against its row: its text, ranges and context.
    let invocation: Invocation
    private let declared = Declared()

    init(_ invocation: Invocation) { self.invocation = invocation }

    /// The value of a declared argument, typed as declared.
    subscript<Declaration: ArgumentDeclaration>(dynamicMember path: KeyPath<Declared, Declaration>)
        -> Declaration.Read
    {
        let declaration = declared[keyPath: path]
        return declaration.read(invocation.value(named: declaration.slot.name))
    }

    /// Whether the argument was written (a default does not count).
    func has<Declaration: ArgumentDeclaration>(_ path: KeyPath<Declared, Declaration>) -> Bool {
        invocation.value(named: spelling(of: path)) != nil
    }

    /// How an argument is written: its name (`var` for `PCAArguments.variance`).
    func spelling<Declaration: ArgumentDeclaration>(of path: KeyPath<Declared, Declaration>) -> String {
        declared[keyPath: path].slot.name
    }

    /// The text range of an argument (the whole command's when it was not written).
    func range<Declaration: ArgumentDeclaration>(of path: KeyPath<Declared, Declaration>) -> SourceRange {
        invocation.range(of: spelling(of: path))
    }

    /// Runs `body`, turning an `EngineError` it throws into a diagnostic pointing at the argument.
    func at<Declaration: ArgumentDeclaration, T>(_ path: KeyPath<Declared, Declaration>, _ body: () throws -> T)
        throws -> T
    {
        try invocation.at(spelling(of: path), body)
    }

    /// The command's row.
    var spec: CommandSpec { invocation.spec }
    /// The command as parsed (its verb, words and range).
    var syntax: CommandSyntax { invocation.syntax }
    /// Where the command came from, its text and when it started.
    var context: CommandContext { invocation.context }
    /// The verbatim text of a command that takes it (`sql`), with its offset.
    var verbatim: (text: String, offset: Int)? { invocation.verbatim }
    /// Model hyperparameters or feature values: `key=value` pairs the command does not declare.
    var modelParameters: [(key: String, value: String, range: SourceRange)] { invocation.modelParameters }
}
