/// A positional argument of a command, as its `Positional` declaration describes it: `load <path>
/// [as <table>]` has two, the second introduced by the keyword `as`.
public struct PositionalSpec: Sendable {
    public let name: String
    public let kind: ValueKind
    public let isOptional: Bool
    /// A word that must come before the value (`as`, `in`).
    public let keyword: String?
    /// Takes every remaining word (for lists of columns).
    public let isVariadic: Bool
    public let help: String
    /// The Swift type the handler reads the value as.
    public let valueType: any ArgumentType.Type

    var usage: String {
        let core = (keyword.map { "\($0) " } ?? "") + kind.placeholder + (isVariadic ? "..." : "")
        return isOptional ? "[\(core)]" : core
    }

    /// The keyword of a command's result name (`load … as TABLE`, `save as`, `register … as`,
    /// `fit … as`, `tune … as`, `label … as`): declared, documented and completed as `as NAME`,
    /// and also taken written as `as=NAME`.
    public static let resultKeyword = "as"

    /// Whether the slot may also be written `keyword=value` (the result name's `as=NAME`).
    var takesAssignment: Bool { keyword == Self.resultKeyword }
}

/// A `key=value` parameter of a command, as its `Parameter` declaration describes it.
public struct ParameterSpec: Sendable {
    public let key: String
    public let kind: ValueKind
    /// The value read when the parameter is not written (as written in the shell; shown in help),
    /// nil when it has none.
    public let defaultValue: String?
    public let isRequired: Bool
    public let help: String
    /// The Swift type the handler reads the value as.
    public let valueType: any ArgumentType.Type

    var usage: String { isRequired ? "\(key)=\(kind.placeholder)" : "[\(key)=\(kind.placeholder)]" }
}

/// One command of the language, described once: parsing, validation, `help`, completion and the
/// reference (docs/REFERENCE.md) all read this row (docs/STYLE.md §1).
public struct CommandSpec: Sendable {
    /// Groups in `help` and the reference.
    public enum Category: String, Sendable, CaseIterable {
        case data = "Data"
        case exploration = "Exploration"
        case preparation = "Preparation"
        case modeling = "Modelling"
        case explanation = "Explanation"
        case tracking = "Tracking"
        case registry = "Registry"
        case deployment = "Deployment"
        case session = "Session"
    }

    public let name: String
    public let aliases: [String]
    public let category: Category
    public let summary: String
    public let help: String
    public let positionals: [PositionalSpec]
    public let parameters: [ParameterSpec]
    /// Takes the rest of the command verbatim (as `sql` does).
    public let takesVerbatimText: Bool
    /// Takes `key=value` pairs beyond its declared parameters: a model's hyperparameters (`fit`,
    /// `tune`: the model's declarations check them) or feature values (`whatif`).
    public let extraAssignments: ExtraAssignments?

    /// What the extra `key=value` pairs of a command are.
    public enum ExtraAssignments: Sendable {
        case modelParameters
        case featureValues
    }

    public var takesModelParameters: Bool { extraAssignments == .modelParameters }
    public let examples: [String]
    /// A usage line written by hand, for commands with several forms.
    private let customUsage: String?
    let handler: CommandAction.Perform

    /// A row: its arguments are those its handler reads (`CommandGroup.run`), in their
    /// declaration order.
    init(
        _ name: String, aliases: [String] = [], category: Category, summary: String, help: String,
        verbatim: Bool = false, extraAssignments: ExtraAssignments? = nil, usage: String? = nil,
        examples: [String] = [], handler: CommandAction
    ) {
        self.name = name
        self.aliases = aliases
        self.category = category
        self.summary = summary
        self.help = help
        self.positionals = handler.arguments.compactMap {
            if case .positional(let spec) = $0 { spec } else { nil }
        }
        self.parameters = handler.arguments.compactMap {
            if case .parameter(let spec) = $0 { spec } else { nil }
        }
        self.takesVerbatimText = verbatim
        self.extraAssignments = extraAssignments
        self.customUsage = usage
        self.examples = examples
        self.handler = handler.perform
    }

    /// The usage line, generated from the declarations unless the command has several forms.
    public var usage: String {
        if let customUsage { return customUsage }
        let extras =
            switch extraAssignments {
            case .modelParameters?: ["[<parameter>=<value>...]"]
            case .featureValues?: ["<feature>=<value>..."]
            case nil: [String]()
            }
        return ([name] + positionals.map(\.usage) + parameters.map(\.usage) + extras).joined(separator: " ")
    }

    public func parameter(_ key: String) -> ParameterSpec? { parameters.first { $0.key == key } }
}
