/// The arguments of one command, declared once as the stored properties of one type, in the
/// order the command's usage line lists them — as swift-argument-parser's `ParsableArguments`.
/// Binding, `help`, completion and docs/REFERENCE.md read the declarations; the handler reads
/// the bound values through `Arguments<Self>` by property name, typed as declared (a default
/// is part of its declaration).
///
/// For example:
/// ```swift
/// struct PCAArguments: CommandArguments {
///     let action = Positional<PCAAction?>("action", .choice(of: PCAAction.self), help: "loadings, or off")
///     let components = Parameter<Int?>("k", .int(min: 1, max: nil), help: "keep exactly this many")
///     let variance = Parameter<Double>("var", .number(…), default: 0.999, help: "…")
/// }
/// func pca(_ arguments: Arguments<PCAArguments>) throws -> CommandOutput {
///     arguments.components   // an Int?, nil when k= was not written
///     arguments.variance     // a Double: var= as written, else 0.999
/// }
/// ```
protocol CommandArguments: Sendable {
    init()
}

extension CommandArguments {
    /// The declared arguments, in declaration order. Every stored property must be one.
    static var declarations: [ArgumentSlot] {
        Mirror(reflecting: Self()).children.map { child in
            guard let declaration = child.value as? any ArgumentDeclaration else {
                preconditionFailure("\(Self.self).\(child.label ?? "?") is not a Positional or a Parameter")
            }
            return declaration.slot
        }
    }
}

/// The arguments of a command that takes none.
struct NoArguments: CommandArguments {}

/// Where a declared argument is written: a positional word, or `key=value`.
enum ArgumentSlot: Sendable {
    case positional(PositionalSpec)
    case parameter(ParameterSpec)

    /// The name its bound value is kept under.
    var name: String {
        switch self {
        case .positional(let spec): spec.name
        case .parameter(let spec): spec.key
        }
    }
}

/// One declared argument: its slot, and how its bound value reads.
protocol ArgumentDeclaration: Sendable {
    /// What a handler reads: the value's type, optional when the argument may be absent.
    associatedtype Read
    var slot: ArgumentSlot { get }
    /// Turns what binding kept (nil when the argument was not written) into the handler's
    /// value; gives no value only for a required argument left unbound, which binding prevents.
    var convert: @Sendable (ArgumentValue?) -> Read? { get }
}

extension ArgumentDeclaration {
    /// The value read from what binding kept (nil when the argument was not written).
    func read(_ bound: ArgumentValue?) -> Read {
        guard let value = convert(bound) else {
            preconditionFailure("'\(slot.name)' is required but no \(Read.self) was bound for it")
        }
        return value
    }
}

/// A positional argument: `load <path> [as <table>]` declares two, the second introduced by the
/// keyword `as`. Declared as `Positional<Value>` it is required; as `Positional<Value?>` it may be
/// left out.
struct Positional<Read: Sendable>: ArgumentDeclaration {
    let spec: PositionalSpec
    let convert: @Sendable (ArgumentValue?) -> Read?

    var slot: ArgumentSlot { .positional(spec) }
}

extension Positional where Read: ArgumentType {
    /// A positional the command needs.
    init(_ name: String, _ kind: ValueKind, keyword: String? = nil, help: String) {
        spec = PositionalSpec(
            name: name, kind: kind, isOptional: false, keyword: keyword, isVariadic: false, help: help,
            valueType: Read.self)
        convert = { $0.flatMap(Read.init(argument:)) }
    }
}

extension Positional {
    /// A positional that may be left out: it reads nil then.
    init<Value: ArgumentType>(_ name: String, _ kind: ValueKind, keyword: String? = nil, help: String)
    where Read == Value? {
        spec = PositionalSpec(
            name: name, kind: kind, isOptional: true, keyword: keyword, isVariadic: false, help: help,
            valueType: Value.self)
        convert = { .some($0.flatMap(Value.init(argument:))) }
    }

    /// A positional taking every remaining word (a list of columns); nil when there is none.
    init(variadic name: String, _ kind: ValueKind, help: String) where Read == [String]? {
        spec = PositionalSpec(
            name: name, kind: kind, isOptional: true, keyword: nil, isVariadic: true, help: help,
            valueType: [String].self)
        convert = { .some($0.flatMap([String].init(argument:))) }
    }
}

/// A `key=value` parameter. Declared as `Parameter<Value>` it is required, or has the default
/// given in its declaration; as `Parameter<Value?>` it may be left out and reads nil then.
struct Parameter<Read: Sendable>: ArgumentDeclaration {
    let spec: ParameterSpec
    let convert: @Sendable (ArgumentValue?) -> Read?

    var slot: ArgumentSlot { .parameter(spec) }
}

extension Parameter where Read: ArgumentType {
    /// A parameter the command cannot do without.
    init(_ key: String, _ kind: ValueKind, help: String) {
        spec = ParameterSpec(
            key: key, kind: kind, defaultValue: nil, isRequired: true, help: help, valueType: Read.self)
        convert = { $0.flatMap(Read.init(argument:)) }
    }

    /// A parameter that reads `fallback` when it is not written (shown in `help` as its default).
    init(_ key: String, _ kind: ValueKind, default fallback: Read, help: String) {
        spec = ParameterSpec(
            key: key, kind: kind, defaultValue: fallback.argumentText, isRequired: false, help: help,
            valueType: Read.self)
        convert = { $0.flatMap(Read.init(argument:)) ?? fallback }
    }
}

extension Parameter {
    /// A parameter that may be left out: it reads nil then.
    init<Value: ArgumentType>(_ key: String, _ kind: ValueKind, help: String) where Read == Value? {
        spec = ParameterSpec(
            key: key, kind: kind, defaultValue: nil, isRequired: false, help: help, valueType: Value.self)
        convert = { .some($0.flatMap(Value.init(argument:))) }
    }
}
