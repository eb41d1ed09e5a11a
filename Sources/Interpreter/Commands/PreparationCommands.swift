import Engine

/// The preparation commands: collapsing one-hot columns into a label (or naming the label),
/// keeping and dropping rows, missing cells. They change the current frame (recorded as steps of
/// its lineage) and name the label the modelling commands learn.
struct PreparationCommands: CommandGroup {
    static let readsTracking = false
    let frames: FrameState
    let modeling: ModelingState

    init(session: Session) {
        frames = session.frames
        modeling = session.modeling
    }

    static let rows: [CommandSpec] = [
        CommandSpec(
            "label", category: .preparation,
            summary: "Collapse one-hot columns into one label column, or name the label column.",
            help: """
                'label onehot=COLUMNS' replaces the one-hot columns (exactly one 1 per row) with one text column naming \
                the column that holds the 1 (as NAME names it, default Label); a row with no 1, several 1s, or another value \
                is an error that lists the first such rows. 'label COLUMN' makes a column the frame already has the label \
                that the models learn (the default is Label).
                """,
            usage: "label onehot=<columns> [as <name>] | label <column>",
            examples: ["label onehot=Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults", "label Defect"],
            handler: run { try $0.label($1) }),
        CommandSpec(
            "keep", category: .preparation, summary: "Keep rows by a column's values, or its top-K values.",
            help: """
                'keep COLUMN in A,B' keeps the rows whose COLUMN is one of the values. 'keep top=K by=COLUMN' keeps \
                the rows holding the K most frequent values of COLUMN, leaving out those given with exclude= (the \
                notebook's three most common identifiable defects: keep top=3 by=Label exclude=Other_Faults).
                """,
            usage: "keep <column> in <values> | keep top=<int> by=<column> [exclude=<values>]",
            examples: ["keep Label in Bumps,K_Scatch,Z_Scratch", "keep top=3 by=Label exclude=Other_Faults"],
            handler: run { try $0.keep($1) }),
        CommandSpec(
            "drop", category: .preparation, summary: "Drop rows by a column's values.",
            help: "'drop COLUMN in A,B' removes the rows whose COLUMN is one of the values.",
            examples: ["drop Label in Other_Faults"],
            handler: run { try $0.drop($1) }),
        CommandSpec(
            "dropna", category: .preparation, summary: "Drop rows with missing cells.",
            help: "Removes every row with a missing cell in any column (or in the columns named).",
            handler: run { try $0.dropna($1) }),
        CommandSpec(
            "fillna", category: .preparation, summary: "Fill missing cells with the median, the mean, or a value.",
            help: """
                Fills each column's missing cells: median or mean (numeric columns, learned from the current frame and \
                kept in the step, so replaying it on new rows fills with the same numbers), or a constant value.
                """,
            examples: ["fillna", "fillna mean", "fillna 0"],
            handler: run { try $0.fillna($1) }),
    ]

    struct LabelArguments: CommandArguments {
        let column = Positional<String?>("column", .column, help: "an existing column to use as the label")
        let name = Positional<String?>(
            "as", .text("name"), keyword: PositionalSpec.resultKeyword, help: "the label column's name (default: Label)"
        )
        let onehot = Parameter<[String]?>("onehot", .columns, help: "the one-hot columns")
    }

    func label(_ arguments: Arguments<LabelArguments>) throws -> CommandOutput {
        var output = CommandOutput(command: "label")
        if let column = arguments.column {
            if arguments.has(\.onehot) {
                throw Diagnostic.usage(
                    "give onehot=COLUMNS or a COLUMN, not both", at: arguments.range(of: \.column),
                    usage: arguments.spec.usage)
            }
            if arguments.has(\.name) {
                throw Diagnostic.usage(
                    "'as' names the column onehot= collapses into; an existing label column keeps its name",
                    at: arguments.range(of: \.name), usage: arguments.spec.usage)
            }
            let table = try frames.currentTable()
            _ = try arguments.at(\.column) { try table.column(named: column) }
            modeling.target = column
            output.say("'\(column)' is the label: the models learn it from the other numeric columns.")
            return output
        }
        guard let columns = arguments.onehot else {
            throw Diagnostic.usage(
                "label needs onehot=COLUMNS (one-hot columns to collapse) or a COLUMN (the label itself)",
                at: arguments.syntax.range, usage: arguments.spec.usage)
        }
        let name = arguments.name ?? "Label"
        let (before, after) = try arguments.at(\.onehot) {
            try frames.apply(.collapseLabel(columns: columns, into: name))
        }
        modeling.target = name
        output.say(
            "Collapsed \(columns.count) one-hot columns into '\(name)' (\(before.rowCount) rows; \(before.columns.count) → \(after.columns.count) columns)."
        )
        return output
    }

    struct KeepArguments: CommandArguments {
        let column = Positional<String?>("column", .column, help: "the column to filter on")
        let values = Positional<[String]?>("values", .values, keyword: "in", help: "the values to keep")
        let top = Parameter<Int?>("top", .int(min: 1, max: nil), help: "keep the K most frequent values")
        let by = Parameter<String?>("by", .column, help: "the column whose values are counted")
        let exclude = Parameter<[String]?>("exclude", .values, help: "values never kept by top=")
    }

    func keep(_ arguments: Arguments<KeepArguments>) throws -> CommandOutput {
        let step: FrameStep
        if let top = arguments.top {
            guard let by = arguments.by else {
                throw Diagnostic.usage(
                    "keep top=\(top) needs by=<column>", at: arguments.range(of: \.top), usage: arguments.spec.usage)
            }
            if arguments.has(\.column) {
                throw Diagnostic.usage(
                    "give either a column with 'in' or top= with by=, not both", at: arguments.range(of: \.column),
                    usage: arguments.spec.usage)
            }
            let table = try frames.currentTable()
            let values = try arguments.at(\.by) {
                try RowFilter.topValues(table, column: by, k: top, excluding: arguments.exclude ?? [])
            }
            step = .keepValues(column: try table.column(named: by).name, values: values)
        } else {
            guard let column = arguments.column, let values = arguments.values else {
                throw Diagnostic.usage(
                    "keep needs a column with 'in VALUES', or top= with by=", at: arguments.syntax.range,
                    usage: arguments.spec.usage)
            }
            if arguments.has(\.by) || arguments.has(\.exclude) {
                throw Diagnostic.usage(
                    "by= and exclude= go with top=",
                    at: arguments.has(\.by) ? arguments.range(of: \.by) : arguments.range(of: \.exclude),
                    usage: arguments.spec.usage)
            }
            step = .keepValues(
                column: try arguments.at(\.column) { try frames.currentTable().column(named: column).name },
                values: values)
        }
        return try filterOutput(
            "keep", step: step,
            at: arguments.has(\.values) ? arguments.range(of: \.values) : arguments.range(of: \.by))
    }

    struct DropArguments: CommandArguments {
        let column = Positional<String>("column", .column, help: "the column to filter on")
        let values = Positional<[String]>("values", .values, keyword: "in", help: "the values to drop")
    }

    func drop(_ arguments: Arguments<DropArguments>) throws -> CommandOutput {
        let column = try arguments.at(\.column) {
            try frames.currentTable().column(named: arguments.column).name
        }
        return try filterOutput(
            "drop", step: .dropValues(column: column, values: arguments.values),
            at: arguments.range(of: \.values))
    }

    private func filterOutput(_ command: String, step: FrameStep, at range: SourceRange) throws -> CommandOutput {
        let (before, after): (Table, Table)
        do { (before, after) = try frames.apply(step) } catch let error as EngineError {
            throw Diagnostic(error, range: range)
        }
        var output = CommandOutput(command: command)
        output.say("\(step.summary): kept \(after.rowCount) of \(before.rowCount) rows.")
        return output
    }

    struct DropnaArguments: CommandArguments {
        let columns = Positional<[String]?>(
            variadic: "columns", .columns, help: "only these columns count (default: all)")
    }

    func dropna(_ arguments: Arguments<DropnaArguments>) throws -> CommandOutput {
        let columns = arguments.columns ?? []
        let (before, after) = try arguments.at(\.columns) { try frames.apply(.dropMissing(columns: columns)) }
        var output = CommandOutput(command: "dropna")
        output.say("Dropped \(before.rowCount - after.rowCount) rows with missing cells; \(after.rowCount) remain.")
        return output
    }

    struct FillnaArguments: CommandArguments {
        let rule = Positional<String?>("rule", .text("median|mean|value"), help: "median (default), mean, or a value")
    }

    func fillna(_ arguments: Arguments<FillnaArguments>) throws -> CommandOutput {
        let text = arguments.rule ?? "median"
        let rule: MissingValues.Rule =
            switch text.lowercased() {
            case "median": .median
            case "mean": .mean
            default: .constant(text)
            }
        let table = try frames.currentTable()
        let values = try arguments.at(\.rule) { try MissingValues.fillValues(table, rule: rule) }
        try frames.apply(.fillMissing(values: values, rule: text))
        var output = CommandOutput(command: "fillna")
        if values.isEmpty {
            output.say("No column of the frame has missing cells; nothing to fill.")
        } else {
            output.table(
                "filled", title: "Filled with \(text)", columns: ["column", "missing", "value"],
                rows: values.keys.sorted().map { name in
                    [.text(name), .integer(Int64((try? table.column(named: name).missingCount) ?? 0)), values[name]!]
                })
        }
        return output
    }
}
