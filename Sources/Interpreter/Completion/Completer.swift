import Engine
import Foundation

/// One completion candidate: the text that replaces `range` of the line.
public struct Completion: Sendable, Equatable {
    public enum Kind: String, Sendable { case command, parameter, keyword, table, column, path, value }

    /// The part of the line (UTF-8 offsets) the candidate replaces: the word being typed.
    public let range: SourceRange
    public let text: String
    public let kind: Kind

    /// Whether accepting the candidate should add a space after it (not for `key=` or directories).
    public var completesWord: Bool { !text.hasSuffix("=") && !text.hasSuffix("/") }
}

/// Context-aware Tab completion: command names at the start of a command, then the command's
/// parameter keys and the kinds of value its arguments take — tables, columns, values, files.
///
/// It reads the command table and the names the session already knows; it never runs a command.
public struct Completer {
    /// Stored table names (`schema.table`).
    public var tables: [String]
    /// The current frame's columns.
    public var columns: [String]
    /// The directory relative paths start from.
    public var directory: String

    public init(tables: [String], columns: [String], directory: String = FileManager.default.currentDirectoryPath) {
        self.tables = tables
        self.columns = columns
        self.directory = directory
    }

    /// The candidates for the word ending at `cursor` (a UTF-8 offset in `line`), sorted.
    public func complete(line: String, cursor: Int) -> [Completion] {
        let prefix = String(decoding: Array(line.utf8).prefix(cursor), as: UTF8.self)
        let (tokens, error) = Lexer.tokenize(prefix)
        var command = Array(
            tokens.split(omittingEmptySubsequences: false, whereSeparator: { $0.kind == .separator }).last ?? [])
        if tokens.last?.kind == .separator { command = [] }
        let endsInSpace = prefix.last.map { $0 == " " || $0 == "\t" } ?? true
        var word = ""
        var start = cursor
        if let error {
            word = String(decoding: Array(prefix.utf8)[(error.range.lowerBound + 1)...], as: UTF8.self)
            start = error.range.lowerBound
        } else if !endsInSpace, let last = command.last {
            word = String(decoding: Array(prefix.utf8)[last.range], as: UTF8.self)
            start = last.range.lowerBound
            command.removeLast()
        }
        let range = start..<cursor
        guard let verb = command.first else {
            return matches(CommandTable.names, word, .command, range)
        }
        guard let spec = CommandTable.spec(named: verb.text) else { return [] }
        if spec.takesVerbatimText {
            let last = word.split(whereSeparator: { " (,".contains($0) }).last.map(String.init) ?? ""
            return matches(tables, last, .table, (cursor - last.utf8.count)..<cursor)
        }
        if let equals = word.firstIndex(of: "="), error == nil {
            let key = String(word[..<equals])
            let value = String(word[word.index(after: equals)...])
            if spec.parameter(key) == nil,
                let slot = spec.positionals.first(where: { $0.takesAssignment && $0.keyword == key })
            {
                return values(for: slot.kind, typed: value, range: (start + key.utf8.count + 1)..<cursor)
            }
            guard let parameter = spec.parameter(key) else {
                return modelParameterValues(
                    spec, command: command, key: key, typed: value,
                    range: (start + key.utf8.count + 1)..<cursor)
            }
            let valueStart = start + key.utf8.count + 1
            return values(for: parameter.kind, typed: value, range: valueStart..<cursor)
        }
        let arguments = Array(command.dropFirst())
        let used = Set(arguments.compactMap { $0.key })
        var keys = spec.parameters.filter { !used.contains($0.key) }.map { $0.key + "=" }
        if spec.takesModelParameters, let model = arguments.first(where: { $0.key == nil }),
            let kind = try? ModelCatalog.kind(model.text)
        {
            keys += kind.parameters.filter { !used.contains($0.name) }.map { $0.name + "=" }
        }
        if spec.extraAssignments == .featureValues {
            keys += columns.filter { !used.contains($0) }.map { $0 + "=" }
        }
        var candidates = matches(keys, word, .parameter, range)
        let assigned = spec.positionals.filter { slot in slot.takesAssignment && used.contains(slot.keyword!) }
        let fill = PositionalFill(
            spec.positionals, words: arguments.filter { $0.key == nil }, assigned: Set(assigned.map(\.name)))
        if case .keywordWithoutValue(let slot, _)? = fill.problem {
            return values(for: spec.positionals[slot].kind, typed: word, range: range, quoted: error != nil)
        }
        candidates += matches(fill.nextKeywords, word, .keyword, range)
        if let slot = fill.nextValueSlot {
            candidates += values(for: spec.positionals[slot].kind, typed: word, range: range, quoted: error != nil)
        }
        return candidates
    }

    /// Values of a model hyperparameter (choices and booleans) after `fit MODEL key=`.
    private func modelParameterValues(
        _ spec: CommandSpec, command: [Token], key: String, typed: String, range: SourceRange
    ) -> [Completion] {
        guard spec.takesModelParameters, let model = command.dropFirst().first(where: { $0.key == nil }),
            let kind = try? ModelCatalog.kind(model.text),
            let parameter = kind.parameters.first(where: { $0.name == key })
        else { return [] }
        return matches(parameter.constraint.completions, typed, .value, range)
    }

    private func values(for kind: ValueKind, typed: String, range: SourceRange, quoted: Bool = false) -> [Completion] {
        switch kind {
        case .table: return matches(tables, typed, .table, range)
        case .column: return matches(columns, typed, .column, range)
        case .columns:
            let head = typed.contains(",") ? String(typed[...typed.lastIndex(of: ",")!]) : ""
            let tail = String(typed.dropFirst(head.count))
            let start = range.lowerBound + head.utf8.count
            return matches(columns, tail, .column, start..<range.upperBound)
        case .constrained(let constraint): return matches(constraint.completions, typed, .value, range)
        case .command: return matches(CommandTable.all.map(\.name), typed, .command, range)
        case .path: return paths(typed, range: range, quoted: quoted)
        case .text, .values: return []
        }
    }

    private func matches(_ names: [String], _ typed: String, _ kind: Completion.Kind, _ range: SourceRange)
        -> [Completion]
    {
        let lowered = typed.lowercased()
        return Set(names).filter { $0.lowercased().hasPrefix(lowered) }.sorted()
            .map { Completion(range: range, text: $0, kind: kind) }
    }

    /// Files and directories whose path starts with `typed`; names with spaces come back quoted.
    private func paths(_ typed: String, range: SourceRange, quoted: Bool) -> [Completion] {
        let slash = typed.lastIndex(of: "/")
        let folder = slash.map { String(typed[...$0]) } ?? ""
        let stem = slash.map { String(typed[typed.index(after: $0)...]) } ?? typed
        let base = folder.hasPrefix("/") ? folder : (directory as NSString).appendingPathComponent(folder)
        let expanded = folder.hasPrefix("~") ? (folder as NSString).expandingTildeInPath : base
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: expanded.isEmpty ? "." : expanded) else {
            return []
        }
        return names.filter { $0.hasPrefix(stem) && (!$0.hasPrefix(".") || stem.hasPrefix(".")) }.sorted().map { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(
                atPath: (expanded as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
            var text = folder + name + (isDirectory.boolValue ? "/" : "")
            if quoted || text.contains(" ") { text = "\"" + text + (isDirectory.boolValue ? "" : "\"") }
            return Completion(range: range, text: text, kind: .path)
        }
    }
}

extension Session {
    /// A completer that knows this session's tables and current columns.
    public func completer() -> Completer {
        let tables =
            (try? store().tables().flatMap { version in
                version.name.schema == TableName.defaultSchema
                    ? [version.name.table, version.name.description] : [version.name.description]
            }) ?? []
        return Completer(tables: tables, columns: frames.currentColumnNames)
    }
}
