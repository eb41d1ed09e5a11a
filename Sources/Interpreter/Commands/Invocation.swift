import Engine

/// A command checked against its `CommandSpec`: typed argument values by name, each with the
/// range of text it came from, so a handler's error can point at the argument it concerns.
public struct Invocation: Sendable {
    public let spec: CommandSpec
    public let syntax: CommandSyntax
    private let values: [String: ArgumentValue]
    private let ranges: [String: SourceRange]
    /// Model hyperparameters (`key=value` not declared by the command), for commands that take them.
    public let modelParameters: [(key: String, value: String, range: SourceRange)]
    /// Where the command came from, its text and when it started (for the runs it records).
    let context: CommandContext

    /// The verbatim text of a command that takes it (`sql`), with its offset.
    public var verbatim: (text: String, offset: Int)? { syntax.query }

    /// The value of argument `name` as written (nil when it was not: a default is its
    /// declaration's); read through `Arguments`.
    func value(named name: String) -> ArgumentValue? { values[name] }

    /// The text range of an argument (of the whole command when it was not written).
    func range(of name: String) -> SourceRange {
        ranges[name] ?? syntax.range
    }

    /// Where an engine error that escaped the handler points: at the position in an `sql` query
    /// it names, else at the one argument whose written value its message quotes ('VALUE', as
    /// in "no column 'Bumpz'"), else at the whole command.
    func range(of error: EngineError) -> SourceRange {
        if let query = syntax.query, let position = error.position {
            return (query.offset + position)..<(query.offset + position + 1)
        }
        let quoted = syntax.arguments.filter { token in
            let value = token.value ?? token.text
            return !value.isEmpty && error.message.contains("'\(value)'")
        }
        guard quoted.count == 1, let token = quoted.first else { return syntax.range }
        return token.valueRange ?? token.range
    }

    /// Runs `body`, turning an `EngineError` it throws into a diagnostic pointing at argument `name`.
    func at<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as EngineError {
            throw Diagnostic(error, range: range(of: name))
        }
    }

    /// Binds `syntax` to `spec`: checks every argument written, and that the required ones are.
    static func bind(_ syntax: CommandSyntax, to spec: CommandSpec, context: CommandContext) -> Result<
        Invocation, Diagnostic
    > {
        var values: [String: ArgumentValue] = [:]
        var ranges: [String: SourceRange] = [:]
        func fail(_ message: String, _ range: SourceRange?, suggestions: [String] = [], hint: String? = nil) -> Result<
            Invocation, Diagnostic
        > {
            .failure(.usage(message, at: range, usage: spec.usage, suggestions: suggestions, hint: hint))
        }
        func parse(_ kind: ValueKind, _ text: String, name: String, range: SourceRange) -> Diagnostic? {
            switch kind.parse(text, name: name) {
            case .success(let value):
                values[name] = value
                ranges[name] = range
                return nil
            case .failure(var diagnostic):
                diagnostic.range = range
                diagnostic.usage = spec.usage
                return diagnostic
            }
        }

        var positional: [Token] = []
        var extras: [(key: String, value: String, range: SourceRange)] = []
        var assigned: [(slot: PositionalSpec, token: Token)] = []
        for token in syntax.arguments {
            guard let key = token.key, let value = token.value, token.kind == .word else {
                positional.append(token)
                continue
            }
            if spec.parameter(key) == nil,
                let slot = spec.positionals.first(where: { $0.takesAssignment && $0.keyword == key })
            {
                if assigned.contains(where: { $0.slot.name == slot.name }) {
                    return fail("'\(key)' is given twice", token.keyRange)
                }
                assigned.append((slot, token))
                continue
            }
            guard let parameter = spec.parameter(key) else {
                if spec.extraAssignments != nil {
                    if extras.contains(where: { $0.key == key }) {
                        return fail("'\(key)' is given twice", token.keyRange)
                    }
                    extras.append((key, value, token.range))
                    continue
                }
                let keys = spec.parameters.map(\.key)
                return fail(
                    "\(spec.name) has no parameter '\(key)'", token.keyRange,
                    suggestions: Suggestions.closest(to: key, among: keys),
                    hint: keys.isEmpty
                        ? "\(spec.name) takes no key=value parameters"
                        : "its parameters: \(keys.joined(separator: ", "))")
            }
            if values[key] != nil { return fail("'\(key)' is given twice", token.keyRange) }
            if let error = parse(parameter.kind, value, name: key, range: token.valueRange!) { return .failure(error) }
        }

        for (slot, token) in assigned {
            if let twice = positional.first(where: { $0.kind == .word && $0.text.lowercased() == slot.keyword }) {
                return fail(
                    "'\(slot.keyword!)' is given twice", twice.range,
                    hint: "name it once: \(slot.keyword!) \(slot.kind.placeholder)")
            }
            if let error = parse(slot.kind, token.value!, name: slot.name, range: token.valueRange!) {
                return .failure(error)
            }
        }
        let fill = PositionalFill(spec.positionals, words: positional, assigned: Set(assigned.map(\.slot.name)))
        for filled in fill.filled {
            let slot = spec.positionals[filled.slot]
            let tokens = positional[filled.words]
            let range = tokens.first!.range.lowerBound..<tokens.last!.range.upperBound
            if slot.isVariadic {
                values[slot.name] = .list(
                    tokens.flatMap { $0.text.split(separator: ",").map(String.init) }.filter { !$0.isEmpty })
                ranges[slot.name] = range
            } else if let error = parse(slot.kind, tokens.first!.text, name: slot.name, range: range) {
                return .failure(error)
            }
        }
        let end = syntax.range.upperBound..<syntax.range.upperBound
        switch fill.problem {
        case .expectedKeyword(let index, let at)?:
            let slot = spec.positionals[index]
            return fail(
                "expected '\(slot.keyword!) \(slot.kind.placeholder)' here",
                at < positional.count ? positional[at].range : end)
        case .keywordWithoutValue(let index, let keywordAt)?:
            let slot = spec.positionals[index]
            return fail("'\(slot.keyword!)' needs a \(slot.kind.placeholder) after it", positional[keywordAt].range)
        case .missingValue(let index)?:
            let slot = spec.positionals[index]
            return fail("\(syntax.verb.text) needs a \(slot.kind.placeholder) (\(slot.help))", end)
        case .unexpected(let at)?:
            return fail("unexpected argument '\(positional[at].text)'", positional[at].range)
        case nil:
            break
        }
        for parameter in spec.parameters where parameter.isRequired && values[parameter.key] == nil {
            return fail(
                "\(spec.name) needs \(parameter.key)=\(parameter.kind.placeholder) (\(parameter.help))",
                syntax.range.upperBound..<syntax.range.upperBound)
        }
        return .success(
            Invocation(
                spec: spec, syntax: syntax, values: values, ranges: ranges, modelParameters: extras, context: context))
    }
}
