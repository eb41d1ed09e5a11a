import Engine
import Foundation

/// The data commands: loading files into the table store, its versions, `sql`, looking at and
/// saving the current frame, and exporting. They touch the frame and the store, the command
/// history, and (for `export mlflow` and `sql` over the catalog) the tracking catalog.
struct DataCommands: CommandGroup {
    let frames: FrameState
    let history: CommandHistory
    let tracking: TrackingState
    /// Whether the session reads its commands from standard input (then `load -` cannot).
    let standardInputHoldsCommands: Bool

    init(session: Session) {
        frames = session.frames
        history = session.history
        tracking = session.tracking
        standardInputHoldsCommands = session.settings.standardInputHoldsCommands
    }

    enum TablesAction: String, ArgumentChoice { case status }

    static let rows: [CommandSpec] = [
        CommandSpec(
            "load", category: .data, summary: "Load a CSV file into a stored table (a new version).",
            help: """
                Reads the file in two streaming passes: the first checks its structure and infers each column's type \
                (integer, real or text), the second stores the rows as a new version of the table. A bad file is \
                rejected before anything is written, so earlier versions are never touched. Empty cells are missing. \
                The schema is created if needed (like Databricks' 'create schema FSP' + saveAsTable). The loaded \
                table becomes the current frame. Without 'as', the table is named after the file, in schema main. \
                FILE may be - (standard input, with 'as'; not when the commands come from there), a pipe, a FIFO \
                (refused after a second with no writer) or a /proc file: such a stream is copied to a temporary file first.
                """,
            examples: [
                "load data/faults.csv as fsp.faults", "load more.csv as fsp.faults mode=append",
                "load plates.tsv as raw.plates sep=tab na=NA,n/a", "load - as fsp.faults",
            ],
            handler: run { try $0.load($1) }),
        CommandSpec(
            "tables", category: .data,
            summary: "List the stored tables; choose where tables live (the workspace or Spark); show the connection.",
            help: """
                Shows each stored table with its latest version, row and column counts, digest and time. Tables live in \
                the workspace's SQLite files by default. uri=sc://HOST:PORT (or $SPARK_REMOTE at start, as for PySpark) \
                makes a Spark Connect server their home, Databricks Connect included: every table command then reads and \
                writes Spark tables. The address follows Spark's connection string: sc://HOST:PORT/;token=…;use_ssl=true;\
                user_id=…;session_id=…;x-databricks-cluster-id=… (quote it: ';' ends a command). The token is sent as a \
                Bearer header and never shown. uri=local goes back to the workspace. 'tables status' shows the server's \
                Spark version, the session, the user, and whether tables keep earlier versions.
                """,
            usage: "tables [status] [uri=<sc://…|local>]",
            examples: [
                "tables", "tables uri=sc://127.0.0.1:15002", "tables status",
                "tables uri=\"sc://example.cloud.databricks.com:443/;token=…;x-databricks-cluster-id=0123-abc\"",
                "tables uri=local",
            ],
            handler: run { try $0.tablesCommand($1) }),
        CommandSpec(
            "history", category: .data, summary: "Versions of a table, or the command history.",
            help: """
                With a table: every stored version (number, rows, digest, source, operation, time); any of them \
                opens with 'use TABLE version=N'. Without: the last commands typed at the prompt (kept in the \
                workspace across sessions).
                """,
            examples: ["history fsp.faults", "history last=50"],
            handler: run { try $0.history($1) }),
        CommandSpec(
            "use", category: .data, summary: "Make a stored table (any version), or a part of it, the current frame.",
            help: """
                Opens the latest version of a stored table, or the one given, as the current frame (no steps applied). \
                sample=FRACTION keeps each row with that probability, the same rows for the same seed= (on Spark, the \
                rows PySpark's df.sample(fraction=FRACTION, seed=SEED) gives); limit=N keeps the first N rows. A part is \
                how a table too large to read into memory (more than 100M cells on Spark) is explored row by row; \
                describe, counts, corr and hist of a whole Spark table run on Spark without a part.
                """,
            examples: [
                "use fsp.faults", "use fsp.faults version=1", "use fsp.big sample=0.01 seed=7",
                "use fsp.big limit=10000",
            ],
            handler: run { try $0.use($1) }),
        CommandSpec(
            "sql", category: .data, summary: "Run a read-only SQLite query over the stored tables.",
            help: """
                Takes the rest of the command verbatim, up to ';'. schema.table names work (fsp.faults is the latest \
                version; fsp._v1_faults is version 1). A bare 'sql' line, or an open parenthesis or quote, continues on \
                the next lines until ';'. Ending with 'into NAME' makes the result the current frame. Queries that \
                would change the store are refused: tables change through load and save, which keep every version. \
                The tracking catalog reads as schema catalog: catalog.experiments, runs, params, metrics, tags, datasets, \
                inputs, registered_models, model_versions, model_aliases. A result is kept in memory and holds at most \
                1,000,000 rows (and 1 GiB of text): a larger one is refused, so add LIMIT. Of the pragmas only those \
                that read the schema or check the files run (table_info, table_xinfo, table_list, index_list, index_info, \
                index_xinfo, database_list, foreign_key_list, collation_list, compile_options, function_list, pragma_list, \
                integrity_check, quick_check, foreign_key_check). With tables on Spark (tables uri=sc://…) the query is \
                Spark SQL, read-only too: SELECT, WITH, VALUES, TABLE and FROM queries, and SHOW, DESCRIBE and EXPLAIN \
                without comments; a query over catalog.* still reads the workspace's catalog.
                """,
            verbatim: true, usage: "sql <query> [into <name>]",
            examples: [
                "sql select count(*) from fsp.faults", "sql select * from fsp.faults where Bumps = 1 into bumps",
            ],
            handler: run { try $0.sql($1) }),
        CommandSpec(
            "head", category: .data, summary: "Show the first rows of the current frame.",
            help: "Shows the first N rows (default 10).",
            handler: run { try $0.head($1, fromEnd: false) }),
        CommandSpec(
            "tail", category: .data, summary: "Show the last rows of the current frame.",
            help: "Shows the last N rows (default 10).",
            handler: run { try $0.head($1, fromEnd: true) }),
        CommandSpec(
            "columns", category: .data, summary: "List the current frame's columns: name, type, missing count.",
            help: "Shows each column of the current frame with its type and how many cells are present and missing.",
            handler: run { try $0.columns() }),
        CommandSpec(
            "save", category: .data, summary: "Store the current frame as a new table version.",
            help:
                "Writes the current frame (with every step applied) as a new version of SCHEMA.TABLE; the source records the frame's lineage.",
            examples: ["save as fsp.top3"],
            handler: run { try $0.save($1) }),
        CommandSpec(
            "export", category: .data,
            summary: "Write the current frame to a CSV file, or the tracking catalog as an MLflow store.",
            help: """
                'export FILE.csv' writes the current frame as RFC 4180 CSV (written to a temporary file, then renamed: never \
                half a file). 'export mlflow DIR' writes every experiment, run (params, metrics, tags, datasets, artifacts) \
                and the model registry in MLflow's file-store layout, which the MLflow client and UI read \
                (MLFLOW_ALLOW_FILE_STORE=true) and 'mlflow migrate-filestore' converts to a database; DIR must be empty \
                or not exist.
                """,
            usage: "export <file.csv> | export mlflow <directory>",
            examples: ["export top3.csv", "export mlflow mlruns"],
            handler: run { try $0.export($1) }),
    ]

    struct LoadArguments: CommandArguments {
        let path = Positional<String>("path", .path, help: "the CSV file")
        let table = Positional<String?>(
            "table", .table, keyword: PositionalSpec.resultKeyword, help: "SCHEMA.TABLE to store it as")
        let mode = Parameter<WriteMode>(
            "mode", .choice(of: WriteMode.self), default: .overwrite,
            help: "overwrite: the new version holds only this file; append: the previous rows, then these")
        let separator = Parameter<String>(
            "sep", .text("char"), default: ",", help: "field separator: one character, or tab")
        let header = Parameter<Bool>("header", .bool, default: true, help: "whether the first line names the columns")
        let text = Parameter<[String]?>("text", .columns, help: "columns to keep as text even if they hold numbers")
        let missing = Parameter<[String]?>(
            "na", .values, help: "cell values to read as missing, besides the empty cell")
    }

    func load(_ arguments: Arguments<LoadArguments>) throws -> CommandOutput {
        let path = arguments.path
        if path == CSVSource.standardInput {
            if standardInputHoldsCommands {
                throw Diagnostic(
                    EngineError(
                        .invalidArgument, "load - reads standard input, but this session reads its commands from there",
                        hint:
                            "give the commands with -c or a script file: plateshell -c 'load - as fsp.faults' < faults.csv"
                    ),
                    range: arguments.range(of: \.path))
            }
            if arguments.table == nil {
                throw Diagnostic(
                    EngineError(
                        .invalidArgument, "load - (standard input) needs a table name",
                        hint: "name it with as: load - as fsp.faults"),
                    range: arguments.range(of: \.path))
            }
        }
        let name = try arguments.at(\.table) {
            try arguments.table.map(TableName.init(parsing:))
                ?? TableName(schema: TableName.defaultSchema, table: Self.tableName(forFile: path))
        }
        var options = CSVOptions()
        options.separator = try arguments.at(\.separator) { try Self.separatorByte(arguments.separator) }
        options.hasHeader = arguments.header
        options.textColumns = Set(arguments.text ?? [])
        options.missingMarkers = Set(arguments.missing ?? [])
        let mode = arguments.mode
        let store = try frames.store()
        let version = try arguments.at(\.path) {
            do {
                return try store.load(csv: path, as: name, mode: mode, options: options)
            } catch let error as EngineError where error.kind == .unknownColumn {
                throw Diagnostic(error, range: arguments.range(of: \.text))
            }
        }
        frames.open(version)
        var output = CommandOutput(command: "load")
        output.say(
            "\(mode == .append ? "Appended" : "Loaded") \(version.rowCount) rows × \(version.schema.count) columns from \(CSVSource.displayName(path)) into \(version.name.displayName) (version \(version.version), \(version.digest.prefix(19))…)"
        )
        output.blocks.append(.fields(name: "version", Self.fields(of: version)))
        return output
    }

    func listTables(into output: inout CommandOutput) throws {
        let store = try frames.store()
        let tables = try store.tables()
        output.table(
            "tables", columns: ["table", "version", "rows", "columns", "digest", "updated"],
            rows: tables.map { version in
                [
                    .text(version.name.description), .integer(Int64(version.version)),
                    .integer(Int64(version.rowCount)),
                    .integer(Int64(version.schema.count)), .text(String(version.digest.prefix(19))),
                    .text(version.createdAt),
                ]
            })
        let damaged = store.damagedSchemas
        if tables.isEmpty && damaged.isEmpty { output.say("No tables yet: load FILE as SCHEMA.TABLE stores one.") }
        let healthy = (store as? TableStore)?.schemas ?? []
        for schema in damaged { output.say(schema.note(healthy: healthy)) }
    }

    struct HistoryArguments: CommandArguments {
        let table = Positional<String?>("table", .table, help: "the table whose versions to list")
        let last = Parameter<Int>("last", .int(min: 1, max: nil), default: 20, help: "how many commands to list")
    }

    func history(_ arguments: Arguments<HistoryArguments>) throws -> CommandOutput {
        var output = CommandOutput(command: "history")
        guard let text = arguments.table else {
            let entries = history.entries.suffix(arguments.last)
            let first = history.entries.count - entries.count + 1
            output.table(
                "commands", columns: ["number", "command"],
                rows: entries.enumerated().map { offset, entry in
                    [.integer(Int64(first + offset)), .text(entry)]
                })
            return output
        }
        let name = try arguments.at(\.table) { try TableName(parsing: text) }
        let versions = try arguments.at(\.table) { try frames.store().versions(of: name) }
        output.table(
            "versions", title: "\(name.displayName): \(versions.count) version\(versions.count == 1 ? "" : "s")",
            columns: ["version", "rows", "columns", "digest", "source", "operation", "time"],
            rows: versions.map { version in
                [
                    .integer(Int64(version.version)), .integer(Int64(version.rowCount)),
                    .integer(Int64(version.schema.count)),
                    .text(String(version.digest.prefix(19))), .text(version.source), .text(version.operation),
                    .text(version.createdAt),
                ]
            })
        return output
    }

    struct UseArguments: CommandArguments {
        let table = Positional<String>("table", .table, help: "the stored table")
        let version = Parameter<Int?>("version", .int(min: 1, max: nil), help: "the version to open (default: latest)")
        let sample = Parameter<Double?>(
            "sample", .number(min: 0, max: 1, maxInclusive: true),
            help: "read a random sample: each row kept with this probability")
        let seed = Parameter<Int?>("seed", .int(min: 0, max: nil), help: "with sample=: the sample's seed (default 1)")
        let limit = Parameter<Int?>("limit", .int(min: 1, max: nil), help: "read only the first N rows")
    }

    func use(_ arguments: Arguments<UseArguments>) throws -> CommandOutput {
        let name = try arguments.at(\.table) { try TableName(parsing: arguments.table) }
        let store = try frames.store()
        let part = try Self.part(arguments)
        let version: TableVersion
        var partRows: Table?
        do {
            if let part {
                (version, partRows) = try store.read(name, version: arguments.version, part: part)
            } else {
                version = try store.version(name, arguments.version)
            }
        } catch let error as EngineError where error.kind == .unknownTable {
            throw Diagnostic(error, range: arguments.range(of: \.table))
        } catch let error as EngineError where error.kind == .unknownVersion {
            throw Diagnostic(error, range: arguments.range(of: \.version))
        } catch let error as EngineError {
            throw Diagnostic(
                error, range: arguments.has(\.limit) ? arguments.range(of: \.limit) : arguments.range(of: \.sample))
        }
        var output = CommandOutput(command: "use")
        if let part, let partRows {
            frames.open(part, of: version, rows: partRows)
            output.say(
                "Using \(part) of \(version.name.displayName) version \(version.version): \(partRows.rowCount) of \(version.rowCount) rows × \(version.schema.count) columns."
            )
        } else {
            frames.open(version)
            output.say(
                "Using \(version.name.displayName) version \(version.version): \(version.rowCount) rows × \(version.schema.count) columns."
            )
        }
        for note in store.readNotes { output.say("Note: \(note).") }
        if version.digest.isEmpty && part == nil {
            let name = version.name.displayName
            let fraction = MemoryBudget.fittingFraction(rows: version.rowCount, columns: version.schema.count)
            output.say(
                "It is too large to read into memory: describe, counts, corr and hist run where it is; "
                    + "'use \(name) sample=\(fraction) seed=1' or 'use \(name) limit=N' reads a part of it.")
        }
        output.blocks.append(.fields(name: "version", Self.fields(of: version)))
        return output
    }

    /// The part of the table `use` reads: sample= (with seed=) or limit=, or nil for all of it.
    static func part(_ arguments: Arguments<UseArguments>) throws -> TablePart? {
        if arguments.has(\.sample), arguments.has(\.limit) {
            throw Diagnostic.usage(
                "give sample= or limit=, not both", at: arguments.range(of: \.limit), usage: arguments.spec.usage)
        }
        if let limit = arguments.limit { return .limit(limit) }
        guard let fraction = arguments.sample else {
            if arguments.has(\.seed) {
                throw Diagnostic.usage(
                    "seed= is the seed of a sample: give sample=FRACTION with it", at: arguments.range(of: \.seed),
                    usage: arguments.spec.usage)
            }
            return nil
        }
        guard fraction > 0 else {
            throw Diagnostic.usage(
                "a sample of 0 keeps no row: give a fraction above 0, e.g. sample=0.01",
                at: arguments.range(of: \.sample), usage: arguments.spec.usage)
        }
        return .sample(fraction: fraction, seed: arguments.seed ?? 1)
    }

    func sql(_ arguments: Arguments<NoArguments>) throws -> CommandOutput {
        guard let query = arguments.verbatim else { throw EngineError(.invalidArgument, "sql needs a query") }
        var text = query.text
        var intoName: String?
        if let match = text.range(
            of: #"\s+into\s+([A-Za-z_][A-Za-z0-9_.]*)\s*$"#, options: [.regularExpression, .caseInsensitive])
        {
            intoName = String(text[match].split(whereSeparator: \.isWhitespace).last!)
            text = String(text[..<match.lowerBound])
        }
        if text.trimmingCharacters(in: [" ", "\n", "\t", "\r"]).isEmpty {
            throw Diagnostic.usage(
                "sql needs a query", at: arguments.syntax.range, usage: arguments.spec.usage,
                hint: "for example: sql select count(*) from fsp.faults")
        }
        // The tracking catalog is in the workspace: a query over catalog.* runs there, wherever tables
        // live, once the catalog is open (opening it marks the runs of killed shells KILLED).
        let readsCatalog = text.range(of: #"\bcatalog\."#, options: [.regularExpression, .caseInsensitive]) != nil
        let catalogFile = frames.workspace.layout.catalogFile
        if readsCatalog && FileManager.default.fileExists(atPath: catalogFile) { _ = try tracking.recordingTracker() }
        let store = readsCatalog ? try frames.workspaceStore() : try frames.store()
        try store.attachCatalog(at: catalogFile)
        let table = try store.query(text)
        var output = CommandOutput(command: "sql")
        output.table("result", table)
        for note in store.readNotes { output.say("Note: \(note).") }
        if let intoName {
            frames.frame = Frame(
                origin: .query(name: intoName, sql: text), steps: [], table: table,
                sourceRows: Array(0..<table.rowCount))
            output.say(
                "The result (\(table.rowCount) rows × \(table.columns.count) columns) is now the current frame '\(intoName)'."
            )
        }
        return output
    }

    struct HeadArguments: CommandArguments {
        let count = Positional<Int?>("count", .int(min: 0, max: nil), help: "how many rows")
    }

    func head(_ arguments: Arguments<HeadArguments>, fromEnd: Bool) throws -> CommandOutput {
        let table = try frames.currentTable()
        let count = min(arguments.count ?? 10, table.rowCount)
        let rows = fromEnd ? Array((table.rowCount - count)..<table.rowCount) : Array(0..<count)
        var output = CommandOutput(command: fromEnd ? "tail" : "head")
        output.table("rows", title: frames.frame?.name, table, rows: rows)
        return output
    }

    func columns() throws -> CommandOutput {
        let table = try frames.currentTable()
        var output = CommandOutput(command: "columns")
        output.table(
            "columns", title: frames.frame?.name, columns: ["column", "type", "present", "missing"],
            rows: table.columns.map { column in
                let missing = column.missingCount
                return [
                    .text(column.name), .text(column.type.rawValue), .integer(Int64(column.count - missing)),
                    .integer(Int64(missing)),
                ]
            })
        return output
    }

    struct SaveArguments: CommandArguments {
        let table = Positional<String>(
            "table", .table, keyword: PositionalSpec.resultKeyword, help: "SCHEMA.TABLE to store it as")
        let mode = Parameter<WriteMode>(
            "mode", .choice(of: WriteMode.self), default: .overwrite, help: "overwrite or append")
    }

    func save(_ arguments: Arguments<SaveArguments>) throws -> CommandOutput {
        let name = try arguments.at(\.table) { try TableName(parsing: arguments.table) }
        let table = try frames.currentTable()
        let lineage = frames.frame?.lineage ?? "frame"
        let mode = arguments.mode
        let version = try arguments.at(\.table) {
            try frames.store().write(table, as: name, mode: mode, source: lineage, operation: "save")
        }
        frames.open(version)
        var output = CommandOutput(command: "save")
        output.say(
            "Saved \(version.rowCount) rows × \(version.schema.count) columns as \(version.name.displayName) version \(version.version) (from \(lineage))."
        )
        output.blocks.append(.fields(name: "version", Self.fields(of: version)))
        return output
    }

    struct ExportArguments: CommandArguments {
        let path = Positional<String>("path", .path, help: "the .csv file to write, or mlflow")
        let directory = Positional<String?>(
            "directory", .path, help: "with mlflow: the folder to write the file store to")
    }

    func export(_ arguments: Arguments<ExportArguments>) throws -> CommandOutput {
        let path = arguments.path
        if path == "mlflow" { return try exportMLflow(arguments) }
        if arguments.has(\.directory) {
            throw Diagnostic.usage(
                "export takes one file, or mlflow and a folder", at: arguments.range(of: \.directory),
                usage: arguments.spec.usage)
        }
        guard path.lowercased().hasSuffix(".csv") else {
            throw Diagnostic.usage(
                "export writes CSV: the file name must end in .csv", at: arguments.range(of: \.path),
                usage: arguments.spec.usage)
        }
        let table = try frames.currentTable()
        try arguments.at(\.path) { try CSVWriter.write(table, to: path) }
        var output = CommandOutput(command: "export")
        output.say("Wrote \(table.rowCount) rows × \(table.columns.count) columns to \(path).")
        return output
    }

    /// `export mlflow DIR`: the workspace's catalog as an MLflow file store.
    private func exportMLflow(_ arguments: Arguments<ExportArguments>) throws -> CommandOutput {
        guard let directory = arguments.directory else {
            throw Diagnostic.usage(
                "export mlflow needs the folder to write", at: arguments.syntax.range, usage: arguments.spec.usage,
                hint: "for example: export mlflow mlruns")
        }
        let summary = try arguments.at(\.directory) {
            try MLflowFileStore.export(try tracking.tracker().catalog, to: directory)
        }
        var output = CommandOutput(command: "export")
        output.say(
            "Wrote \(summary.experiments) experiments, \(summary.runs) runs and \(summary.versions) model versions of \(summary.models) registered models to \(summary.root) in MLflow's file-store layout. Read it with: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri \(summary.root)"
        )
        return output
    }

    // MARK: - Helpers

    static func fields(of version: TableVersion) -> [Field] {
        [
            Field("table", .text(version.name.description)), Field("version", .integer(Int64(version.version))),
            Field("rows", .integer(Int64(version.rowCount))), Field("columns", .integer(Int64(version.schema.count))),
            Field("digest", .text(version.digest)), Field("source", .text(version.source)),
            Field("operation", .text(version.operation)), Field("created", .text(version.createdAt)),
        ]
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
            byte != UInt8(ascii: "\""), byte != UInt8(ascii: "'")
        else {
            throw EngineError(
                .invalidArgument,
                "the separator must be one printable ASCII character other than a quote, or tab; got '\(text)'")
        }
        return byte
    }
}
