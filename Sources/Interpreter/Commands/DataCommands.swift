import Engine
import Foundation

extension CommandTable {
    static let dataCommands: [CommandSpec] = [
        CommandSpec(
            "load", category: .data, summary: "Load a CSV file into a stored table (a new version).",
            help: """
                Reads the file in two streaming passes: the first checks its structure and infers each column's type \
                (integer, real or text), the second stores the rows as a new version of the table. A bad file is \
                rejected before anything is written, so earlier versions are never touched. Empty cells are missing. \
                The schema is created if needed (like Databricks' 'create schema FSP' + saveAsTable). The loaded \
                table becomes the current frame. Without 'as', the table is named after the file, in schema main.
                """,
            positionals: [.required("path", .path, help: "the CSV file"),
                          .optional("table", .table, keyword: "as", help: "SCHEMA.TABLE to store it as")],
            parameters: [
                ParameterSpec("mode", .choice(WriteMode.allCases.map(\.rawValue)), default: "overwrite",
                              help: "overwrite: the new version holds only this file; append: the previous rows, then these"),
                ParameterSpec("sep", .text("char"), default: ",", help: "field separator: one character, or tab"),
                ParameterSpec("header", .bool, default: "true", help: "whether the first line names the columns"),
                ParameterSpec("text", .columns, help: "columns to keep as text even if they hold numbers"),
                ParameterSpec("na", .values, help: "cell values to read as missing, besides the empty cell"),
            ],
            examples: ["load data/faults.csv as fsp.faults", "load more.csv as fsp.faults mode=append",
                       "load plates.tsv as raw.plates sep=tab na=NA,n/a"],
            handler: { try $0.load($1) }),
        CommandSpec(
            "tables", category: .data, summary: "List the stored tables (latest versions).",
            help: "Shows each stored table with its latest version, row and column counts, digest and time.",
            handler: { session, _ in try session.listTables() }),
        CommandSpec(
            "history", category: .data, summary: "Versions of a table, or the command history.",
            help: """
                With a table: every stored version (number, rows, digest, source, operation, time); any of them \
                opens with 'use TABLE version=N'. Without: the last commands typed at the prompt (kept in the \
                workspace across sessions).
                """,
            positionals: [.optional("table", .table, help: "the table whose versions to list")],
            parameters: [ParameterSpec("last", .int(min: 1, max: nil), default: "20", help: "how many commands to list")],
            examples: ["history fsp.faults", "history last=50"],
            handler: { try $0.history($1) }),
        CommandSpec(
            "use", category: .data, summary: "Make a stored table (any version) the current frame.",
            help: "Opens the latest version of a stored table, or the one given, as the current frame (no steps applied).",
            positionals: [.required("table", .table, help: "the stored table")],
            parameters: [ParameterSpec("version", .int(min: 1, max: nil), help: "the version to open (default: latest)")],
            examples: ["use fsp.faults", "use fsp.faults version=1"],
            handler: { try $0.use($1) }),
        CommandSpec(
            "sql", category: .data, summary: "Run a read-only SQLite query over the stored tables.",
            help: """
                Takes the rest of the command verbatim, up to ';'. schema.table names work (fsp.faults is the latest \
                version; fsp._v1_faults is version 1). A bare 'sql' line, or an open parenthesis or quote, continues on \
                the next lines until ';'. Ending with 'into NAME' makes the result the current frame. Queries that \
                would change the store are refused: tables change through load and save, which keep every version. \
                The tracking catalog reads as schema catalog: catalog.experiments, runs, params, metrics, tags, datasets, \
                inputs, registered_models, model_versions, model_aliases.
                """,
            verbatim: true, usage: "sql <query> [into <name>]",
            examples: ["sql select count(*) from fsp.faults", "sql select * from fsp.faults where Bumps = 1 into bumps"],
            handler: { try $0.sql($1) }),
        CommandSpec(
            "head", category: .data, summary: "Show the first rows of the current frame.",
            help: "Shows the first N rows (default 10).",
            positionals: [.optional("count", .int(min: 0, max: nil), help: "how many rows")],
            handler: { try $0.head($1, fromEnd: false) }),
        CommandSpec(
            "tail", category: .data, summary: "Show the last rows of the current frame.",
            help: "Shows the last N rows (default 10).",
            positionals: [.optional("count", .int(min: 0, max: nil), help: "how many rows")],
            handler: { try $0.head($1, fromEnd: true) }),
        CommandSpec(
            "columns", category: .data, summary: "List the current frame's columns: name, type, missing count.",
            help: "Shows each column of the current frame with its type and how many cells are present and missing.",
            handler: { session, _ in try session.columns() }),
        CommandSpec(
            "save", category: .data, summary: "Store the current frame as a new table version.",
            help: "Writes the current frame (with every step applied) as a new version of SCHEMA.TABLE; the source records the frame's lineage.",
            positionals: [.required("table", .table, keyword: "as", help: "SCHEMA.TABLE to store it as")],
            parameters: [ParameterSpec("mode", .choice(WriteMode.allCases.map(\.rawValue)), default: "overwrite",
                                       help: "overwrite or append")],
            examples: ["save as fsp.top3"],
            handler: { try $0.save($1) }),
        CommandSpec(
            "export", category: .data, summary: "Write the current frame to a CSV file, or the tracking catalog as an MLflow store.",
            help: """
                'export FILE.csv' writes the current frame as RFC 4180 CSV (written to a temporary file, then renamed: never \
                half a file). 'export mlflow DIR' writes every experiment, run (params, metrics, tags, datasets, artifacts) \
                and the model registry in MLflow's file-store layout, which the MLflow client and UI read \
                (MLFLOW_ALLOW_FILE_STORE=true) and 'mlflow migrate-filestore' converts to a database; DIR must be empty \
                or not exist.
                """,
            positionals: [.required("path", .path, help: "the .csv file to write, or mlflow"),
                          .optional("directory", .path, help: "with mlflow: the folder to write the file store to")],
            usage: "export <file.csv> | export mlflow <directory>",
            examples: ["export top3.csv", "export mlflow mlruns"],
            handler: { try $0.export($1) }),
    ]
}

extension Session {
    func load(_ invocation: Invocation) throws -> CommandOutput {
        let path = invocation.string("path")!
        let name = try invocation.at("table") {
            try invocation.string("table").map(TableName.init(parsing:)) ?? TableName(schema: TableName.defaultSchema, table: Self.tableName(forFile: path))
        }
        var options = CSVOptions()
        let separator = invocation.string("sep")!
        options.separator = try invocation.at("sep") { try Self.separatorByte(separator) }
        options.hasHeader = invocation.bool("header")!
        options.textColumns = Set(invocation.list("text") ?? [])
        options.missingMarkers = Set(invocation.list("na") ?? [])
        let mode = WriteMode(rawValue: invocation.string("mode")!)!
        let store = try store()
        let version = try invocation.at("path") { try store.load(csv: path, as: name, mode: mode, options: options) }
        open(version)
        var output = CommandOutput(command: "load")
        output.say("\(mode == .append ? "Appended" : "Loaded") \(version.rowCount) rows × \(version.schema.count) columns from \(path) into \(version.name.displayName) (version \(version.version), \(version.digest.prefix(19))…)")
        output.blocks.append(.fields(name: "version", Self.fields(of: version)))
        return output
    }

    func listTables() throws -> CommandOutput {
        let tables = try store().tables()
        var output = CommandOutput(command: "tables")
        output.table("tables", columns: ["table", "version", "rows", "columns", "digest", "updated"], rows: tables.map { version in
            [.text(version.name.description), .integer(Int64(version.version)), .integer(Int64(version.rowCount)),
             .integer(Int64(version.schema.count)), .text(String(version.digest.prefix(19))), .text(version.createdAt)]
        })
        if tables.isEmpty { output.say("No tables yet: load FILE as SCHEMA.TABLE stores one.") }
        return output
    }

    func history(_ invocation: Invocation) throws -> CommandOutput {
        var output = CommandOutput(command: "history")
        guard let text = invocation.string("table") else {
            let last = invocation.int("last")!
            let entries = history.entries.suffix(last)
            let first = history.entries.count - entries.count + 1
            output.table("commands", columns: ["number", "command"], rows: entries.enumerated().map { offset, entry in
                [.integer(Int64(first + offset)), .text(entry)]
            })
            return output
        }
        let name = try invocation.at("table") { try TableName(parsing: text) }
        let versions = try invocation.at("table") { try store().versions(of: name) }
        output.table("versions", title: "\(name.displayName): \(versions.count) version\(versions.count == 1 ? "" : "s")",
                     columns: ["version", "rows", "columns", "digest", "source", "operation", "time"], rows: versions.map { version in
            [.integer(Int64(version.version)), .integer(Int64(version.rowCount)), .integer(Int64(version.schema.count)),
             .text(String(version.digest.prefix(19))), .text(version.source), .text(version.operation), .text(version.createdAt)]
        })
        return output
    }

    func use(_ invocation: Invocation) throws -> CommandOutput {
        let name = try invocation.at("table") { try TableName(parsing: invocation.string("table")!) }
        let store = try store()
        _ = try invocation.at("table") { try store.versions(of: name) }
        let version = try invocation.at("version") { try store.version(name, invocation.int("version")) }
        open(version)
        var output = CommandOutput(command: "use")
        output.say("Using \(version.name.displayName) version \(version.version): \(version.rowCount) rows × \(version.schema.count) columns.")
        output.blocks.append(.fields(name: "version", Self.fields(of: version)))
        return output
    }

    func sql(_ invocation: Invocation) throws -> CommandOutput {
        guard let query = invocation.verbatim else { throw EngineError(.invalidArgument, "sql needs a query") }
        var text = query.text
        var intoName: String?
        if let match = text.range(of: #"\s+into\s+([A-Za-z_][A-Za-z0-9_.]*)\s*$"#, options: [.regularExpression, .caseInsensitive]) {
            intoName = String(text[match].split(whereSeparator: \.isWhitespace).last!)
            text = String(text[..<match.lowerBound])
        }
        if text.trimmingCharacters(in: [" ", "\n", "\t", "\r"]).isEmpty {
            throw Diagnostic.usage("sql needs a query", at: invocation.syntax.range, usage: invocation.spec.usage,
                                   hint: "for example: sql select count(*) from fsp.faults")
        }
        try store().attachCatalog(at: workspace.root + "/catalog.sqlite")
        let table = try store().query(text)
        var output = CommandOutput(command: "sql")
        output.table("result", table)
        if let intoName {
            frame = Frame(origin: .query(name: intoName, sql: text), steps: [], table: table, sourceRows: Array(0..<table.rowCount))
            output.say("The result (\(table.rowCount) rows × \(table.columns.count) columns) is now the current frame '\(intoName)'.")
        }
        return output
    }

    func head(_ invocation: Invocation, fromEnd: Bool) throws -> CommandOutput {
        let table = try currentTable()
        let count = min(invocation.int("count") ?? 10, table.rowCount)
        let rows = fromEnd ? Array((table.rowCount - count)..<table.rowCount) : Array(0..<count)
        var output = CommandOutput(command: fromEnd ? "tail" : "head")
        output.table("rows", title: frame?.name, table, rows: rows)
        return output
    }

    func columns() throws -> CommandOutput {
        let table = try currentTable()
        var output = CommandOutput(command: "columns")
        output.table("columns", title: frame?.name, columns: ["column", "type", "present", "missing"], rows: table.columns.map { column in
            let missing = column.missingCount
            return [.text(column.name), .text(column.type.rawValue), .integer(Int64(column.count - missing)), .integer(Int64(missing))]
        })
        return output
    }

    func save(_ invocation: Invocation) throws -> CommandOutput {
        let name = try invocation.at("table") { try TableName(parsing: invocation.string("table")!) }
        let table = try currentTable()
        let lineage = frame?.lineage ?? "frame"
        let mode = WriteMode(rawValue: invocation.string("mode")!)!
        let version = try invocation.at("table") {
            try store().write(table, as: name, mode: mode, source: lineage, operation: "save")
        }
        open(version)
        var output = CommandOutput(command: "save")
        output.say("Saved \(version.rowCount) rows × \(version.schema.count) columns as \(version.name.displayName) version \(version.version) (from \(lineage)).")
        output.blocks.append(.fields(name: "version", Self.fields(of: version)))
        return output
    }

    func export(_ invocation: Invocation) throws -> CommandOutput {
        let path = invocation.string("path")!
        if path == "mlflow" { return try exportMLflow(invocation) }
        if invocation.has("directory") {
            throw Diagnostic.usage("export takes one file, or mlflow and a folder", at: invocation.range(of: "directory"), usage: invocation.spec.usage)
        }
        guard path.lowercased().hasSuffix(".csv") else {
            throw Diagnostic.usage("export writes CSV: the file name must end in .csv", at: invocation.range(of: "path"),
                                   usage: invocation.spec.usage)
        }
        let table = try currentTable()
        try invocation.at("path") { try CSVWriter.write(table, to: path) }
        var output = CommandOutput(command: "export")
        output.say("Wrote \(table.rowCount) rows × \(table.columns.count) columns to \(path).")
        return output
    }

    // MARK: - Helpers

    static func fields(of version: TableVersion) -> [Field] {
        [Field("table", .text(version.name.description)), Field("version", .integer(Int64(version.version))),
         Field("rows", .integer(Int64(version.rowCount))), Field("columns", .integer(Int64(version.schema.count))),
         Field("digest", .text(version.digest)), Field("source", .text(version.source)),
         Field("operation", .text(version.operation)), Field("created", .text(version.createdAt))]
    }

    /// A table name made from a file name: `faults.csv` → `faults`, `my-data 2.csv` → `my_data_2`.
    static func tableName(forFile path: String) -> String {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var name = String(stem.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        if name.first.map({ !$0.isLetter }) ?? true { name = "t_" + name }
        return String(name.prefix(63))
    }

    /// The separator byte for `sep=`: one ASCII character, or `tab`.
    static func separatorByte(_ text: String) throws -> UInt8 {
        if text == "tab" || text == "\\t" || text == "\t" { return 9 }
        guard text.utf8.count == 1, let byte = text.utf8.first, byte >= 32, byte < 127,
              byte != UInt8(ascii: "\""), byte != UInt8(ascii: "'") else {
            throw EngineError(.invalidArgument, "the separator must be one printable ASCII character other than a quote, or tab; got '\(text)'")
        }
        return byte
    }
}
