import Engine

extension CommandTable {
    static let preparationCommands: [CommandSpec] = [
        CommandSpec(
            "label", category: .preparation, summary: "Collapse one-hot columns into one label column, or name the label column.",
            help: """
                'label onehot=COLUMNS' replaces the one-hot columns (exactly one 1 per row) with one text column naming \
                the column that holds the 1 (as= names it, default Label); a row with no 1, several 1s, or another value \
                is an error that lists the first such rows. 'label COLUMN' makes a column the frame already has the label \
                that the models learn (the default is Label).
                """,
            positionals: [.optional("column", .column, help: "an existing column to use as the label")],
            parameters: [ParameterSpec("onehot", .columns, help: "the one-hot columns"),
                         ParameterSpec("as", .text("name"), default: "Label", help: "the label column's name")],
            usage: "label onehot=<columns> [as=<name>] | label <column>",
            examples: ["label onehot=Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults", "label Defect"],
            handler: { try $0.label($1) }),
        CommandSpec(
            "keep", category: .preparation, summary: "Keep rows by a column's values, or its top-K values.",
            help: """
                'keep COLUMN in A,B' keeps the rows whose COLUMN is one of the values. 'keep top=K by=COLUMN' keeps \
                the rows holding the K most frequent values of COLUMN, leaving out those given with exclude= (the \
                notebook's three most common identifiable defects: keep top=3 by=Label exclude=Other_Faults).
                """,
            positionals: [.optional("column", .column, help: "the column to filter on"),
                          .optional("values", .values, keyword: "in", help: "the values to keep")],
            parameters: [ParameterSpec("top", .int(min: 1, max: nil), help: "keep the K most frequent values"),
                         ParameterSpec("by", .column, help: "the column whose values are counted"),
                         ParameterSpec("exclude", .values, help: "values never kept by top=")],
            usage: "keep <column> in <values> | keep top=<int> by=<column> [exclude=<values>]",
            examples: ["keep Label in Bumps,K_Scatch,Z_Scratch", "keep top=3 by=Label exclude=Other_Faults"],
            handler: { try $0.keep($1) }),
        CommandSpec(
            "drop", category: .preparation, summary: "Drop rows by a column's values.",
            help: "'drop COLUMN in A,B' removes the rows whose COLUMN is one of the values.",
            positionals: [.required("column", .column, help: "the column to filter on"),
                          .required("values", .values, keyword: "in", help: "the values to drop")],
            examples: ["drop Label in Other_Faults"],
            handler: { try $0.drop($1) }),
        CommandSpec(
            "dropna", category: .preparation, summary: "Drop rows with missing cells.",
            help: "Removes every row with a missing cell in any column (or in the columns named).",
            positionals: [.variadic("columns", .columns, help: "only these columns count (default: all)")],
            handler: { try $0.dropna($1) }),
        CommandSpec(
            "fillna", category: .preparation, summary: "Fill missing cells with the median, the mean, or a value.",
            help: """
                Fills each column's missing cells: median or mean (numeric columns, learned from the current frame and \
                kept in the step, so replaying it on new rows fills with the same numbers), or a constant value.
                """,
            positionals: [.optional("rule", .text("median|mean|value"), help: "median (default), mean, or a value")],
            examples: ["fillna", "fillna mean", "fillna 0"],
            handler: { try $0.fillna($1) }),
    ]
}

extension Session {
    func label(_ invocation: Invocation) throws -> CommandOutput {
        var output = CommandOutput(command: "label")
        if let column = invocation.string("column") {
            if invocation.has("onehot") {
                throw Diagnostic.usage("give onehot=COLUMNS or a COLUMN, not both", at: invocation.range(of: "column"), usage: invocation.spec.usage)
            }
            let table = try currentTable()
            _ = try invocation.at("column") { try table.column(named: column) }
            modeling.target = column
            output.say("'\(column)' is the label: the models learn it from the other numeric columns.")
            return output
        }
        guard let columns = invocation.list("onehot") else {
            throw Diagnostic.usage("label needs onehot=COLUMNS (one-hot columns to collapse) or a COLUMN (the label itself)",
                                   at: invocation.syntax.range, usage: invocation.spec.usage)
        }
        let name = invocation.string("as")!
        let (before, after) = try invocation.at("onehot") { try apply(.collapseLabel(columns: columns, into: name)) }
        modeling.target = name
        output.say("Collapsed \(columns.count) one-hot columns into '\(name)' (\(before.rowCount) rows; \(before.columns.count) → \(after.columns.count) columns).")
        return output
    }

    func keep(_ invocation: Invocation) throws -> CommandOutput {
        let step: FrameStep
        if let top = invocation.int("top") {
            guard let by = invocation.string("by") else {
                throw Diagnostic.usage("keep top=\(top) needs by=<column>", at: invocation.range(of: "top"), usage: invocation.spec.usage)
            }
            if invocation.has("column") {
                throw Diagnostic.usage("give either a column with 'in' or top= with by=, not both", at: invocation.range(of: "column"),
                                       usage: invocation.spec.usage)
            }
            let table = try currentTable()
            let values = try invocation.at("by") {
                try RowFilter.topValues(table, column: by, k: top, excluding: invocation.list("exclude") ?? [])
            }
            step = .keepValues(column: try table.column(named: by).name, values: values)
        } else {
            guard let column = invocation.string("column"), let values = invocation.list("values") else {
                throw Diagnostic.usage("keep needs a column with 'in VALUES', or top= with by=", at: invocation.syntax.range,
                                       usage: invocation.spec.usage)
            }
            if invocation.has("by") || invocation.has("exclude") {
                throw Diagnostic.usage("by= and exclude= go with top=", at: invocation.range(of: invocation.has("by") ? "by" : "exclude"),
                                       usage: invocation.spec.usage)
            }
            step = .keepValues(column: try invocation.at("column") { try currentTable().column(named: column).name }, values: values)
        }
        return try filterOutput("keep", step: step, invocation: invocation)
    }

    func drop(_ invocation: Invocation) throws -> CommandOutput {
        let column = try invocation.at("column") { try currentTable().column(named: invocation.string("column")!).name }
        return try filterOutput("drop", step: .dropValues(column: column, values: invocation.list("values")!), invocation: invocation)
    }

    private func filterOutput(_ command: String, step: FrameStep, invocation: Invocation) throws -> CommandOutput {
        let argument = invocation.has("values") ? "values" : "by"
        let (before, after) = try invocation.at(argument) { try apply(step) }
        var output = CommandOutput(command: command)
        output.say("\(step.summary): kept \(after.rowCount) of \(before.rowCount) rows.")
        return output
    }

    func dropna(_ invocation: Invocation) throws -> CommandOutput {
        let columns = invocation.list("columns") ?? []
        let (before, after) = try invocation.at("columns") { try apply(.dropMissing(columns: columns)) }
        var output = CommandOutput(command: "dropna")
        output.say("Dropped \(before.rowCount - after.rowCount) rows with missing cells; \(after.rowCount) remain.")
        return output
    }

    func fillna(_ invocation: Invocation) throws -> CommandOutput {
        let text = invocation.string("rule") ?? "median"
        let rule: MissingValues.Rule = switch text.lowercased() {
        case "median": .median
        case "mean": .mean
        default: .constant(text)
        }
        let table = try currentTable()
        let values = try invocation.at("rule") { try MissingValues.fillValues(table, rule: rule) }
        try apply(.fillMissing(values: values, rule: text))
        var output = CommandOutput(command: "fillna")
        if values.isEmpty {
            output.say("No column of the frame has missing cells; nothing to fill.")
        } else {
            output.table("filled", title: "Filled with \(text)", columns: ["column", "missing", "value"],
                         rows: values.keys.sorted().map { name in
                [.text(name), .integer(Int64((try? table.column(named: name).missingCount) ?? 0)), values[name]!]
            })
        }
        return output
    }
}
