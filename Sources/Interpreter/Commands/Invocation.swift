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

    /// The verbatim text of a command that takes it (`sql`), with its offset.
    public var verbatim: (text: String, offset: Int)? { syntax.query }

    public func has(_ name: String) -> Bool { values[name] != nil }

    public func string(_ name: String) -> String? {
        if case .text(let v)? = values[name] { return v }
        return nil
    }

    public func int(_ name: String) -> Int? {
        if case .int(let v)? = values[name] { return v }
        return nil
    }

    public func number(_ name: String) -> Double? {
        if case .number(let v)? = values[name] { return v }
        return nil
    }

    public func bool(_ name: String) -> Bool? {
        if case .bool(let v)? = values[name] { return v }
        return nil
    }

    public func list(_ name: String) -> [String]? {
        if case .list(let v)? = values[name] { return v }
        return nil
    }

    /// The text range of an argument (of the whole command when it was not written).
    public func range(of name: String) -> SourceRange {
        ranges[name] ?? syntax.range
    }

    /// Runs `body`, turning an `EngineError` it throws into a diagnostic pointing at argument `name`.
    public func at<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as EngineError {
            throw Diagnostic(error, range: range(of: name))
        }
    }

    /// Binds `syntax` to `spec`: checks every argument and fills in defaults.
    static func bind(_ syntax: CommandSyntax, to spec: CommandSpec) -> Result<Invocation, Diagnostic> {
        var values: [String: ArgumentValue] = [:]
        var ranges: [String: SourceRange] = [:]
        func fail(_ message: String, _ range: SourceRange?, suggestions: [String] = [], hint: String? = nil) -> Result<Invocation, Diagnostic> {
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
        for token in syntax.arguments {
            guard let key = token.key, let value = token.value, token.kind == .word else {
                positional.append(token)
                continue
            }
            guard let parameter = spec.parameter(key) else {
                if spec.extraAssignments != nil {
                    if extras.contains(where: { $0.key == key }) { return fail("'\(key)' is given twice", token.keyRange) }
                    extras.append((key, value, token.range))
                    continue
                }
                let keys = spec.parameters.map(\.key)
                return fail("\(spec.name) has no parameter '\(key)'", token.keyRange,
                            suggestions: Suggestions.closest(to: key, among: keys),
                            hint: keys.isEmpty ? "\(spec.name) takes no key=value parameters" : "its parameters: \(keys.joined(separator: ", "))")
            }
            if values[key] != nil { return fail("'\(key)' is given twice", token.keyRange) }
            if let error = parse(parameter.kind, value, name: key, range: token.valueRange!) { return .failure(error) }
        }

        var index = 0
        let specOwner = spec
        for spec in spec.positionals {
            if let keyword = spec.keyword {
                guard index < positional.count, positional[index].text.lowercased() == keyword, positional[index].kind == .word else {
                    if spec.isOptional { continue }
                    let at = index < positional.count ? positional[index].range : syntax.range.upperBound..<syntax.range.upperBound
                    return fail("expected '\(keyword) \(spec.kind.placeholder)' here", at)
                }
                index += 1
                guard index < positional.count else {
                    return fail("'\(keyword)' needs a \(spec.kind.placeholder) after it", positional[index - 1].range)
                }
            }
            let laterKeywords = self.laterKeywords(after: spec, in: specOwner.positionals)
            if spec.isOptional, spec.keyword == nil, index < positional.count,
               laterKeywords.contains(positional[index].text.lowercased()) { continue }
            guard index < positional.count else {
                if spec.isOptional { continue }
                return fail("\(self.specName(syntax)) needs a \(spec.kind.placeholder) (\(spec.help))",
                            syntax.range.upperBound..<syntax.range.upperBound)
            }
            if spec.isVariadic {
                let tokens = positional[index...]
                let items = tokens.flatMap { $0.text.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
                values[spec.name] = .list(items)
                ranges[spec.name] = tokens.first!.range.lowerBound..<tokens.last!.range.upperBound
                index = positional.count
                continue
            }
            let token = positional[index]
            if let error = parse(spec.kind, token.text, name: spec.name, range: token.range) { return .failure(error) }
            index += 1
        }
        if index < positional.count {
            let extra = positional[index]
            return fail("unexpected argument '\(extra.text)'", extra.range)
        }
        for parameter in spec.parameters where values[parameter.key] == nil {
            if parameter.isRequired {
                return fail("\(spec.name) needs \(parameter.key)=\(parameter.kind.placeholder) (\(parameter.help))",
                            syntax.range.upperBound..<syntax.range.upperBound)
            }
            if let fallback = parameter.defaultValue, case .success(let value) = parameter.kind.parse(fallback, name: parameter.key) {
                values[parameter.key] = value
            }
        }
        return .success(Invocation(spec: spec, syntax: syntax, values: values, ranges: ranges, modelParameters: extras))
    }

    private static func specName(_ syntax: CommandSyntax) -> String { syntax.verb.text }

    /// The keywords of the positionals after `spec` (an optional value never swallows them).
    private static func laterKeywords(after spec: PositionalSpec, in all: [PositionalSpec]) -> Set<String> {
        guard let position = all.firstIndex(where: { $0.name == spec.name }) else { return [] }
        return Set(all[(position + 1)...].compactMap(\.keyword))
    }
}
