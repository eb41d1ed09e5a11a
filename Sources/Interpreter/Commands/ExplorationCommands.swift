import Engine

extension CommandTable {
    static let explorationCommands: [CommandSpec] = [
        CommandSpec(
            "describe", category: .exploration, summary: "Summary statistics of numeric columns.",
            help: """
                For each numeric column (or those named): count of present values, missing, mean, standard deviation \
                (n−1), min, the 25%, 50% and 75% quantiles (linear interpolation, as pandas) and max.
                """,
            positionals: [.variadic("columns", .columns, help: "columns to describe (default: every numeric column)")],
            examples: ["describe", "describe Pixels_Areas,Steel_Plate_Thickness"],
            handler: { try $0.describe($1) }),
        CommandSpec(
            "counts", category: .exploration, summary: "How often each value occurs: a Pareto table and chart.",
            help: "Counts each value of a column, most frequent first, with percent and cumulative percent of the present cells, and a bar chart.",
            positionals: [.required("column", .column, help: "the column to count")],
            parameters: [ParameterSpec("top", .int(min: 1, max: nil), help: "show only the N most frequent values")],
            examples: ["counts Label", "counts Steel_Plate_Thickness top=5"],
            handler: { try $0.counts($1) }),
        CommandSpec(
            "corr", category: .exploration, summary: "Pearson correlations: the strongest pairs and a heatmap.",
            help: "Correlates the numeric columns (or those named), each pair over the rows where both are present, as pandas does; lists the strongest pairs and draws the matrix as a heatmap.",
            positionals: [.variadic("columns", .columns, help: "columns to correlate (default: every numeric column)")],
            parameters: [ParameterSpec("top", .int(min: 1, max: nil), default: "10", help: "how many pairs to list")],
            examples: ["corr", "corr top=5", "corr X_Minimum,X_Maximum,Pixels_Areas"],
            handler: { try $0.corr($1) }),
        CommandSpec(
            "hist", category: .exploration, summary: "A histogram of a numeric column.",
            help: "Counts the values of a numeric column in equal-width bins between its minimum and maximum.",
            positionals: [.required("column", .column, help: "the numeric column")],
            parameters: [ParameterSpec("bins", .int(min: 1, max: 200), default: "10", help: "how many bins")],
            examples: ["hist Steel_Plate_Thickness bins=20"],
            handler: { try $0.hist($1) }),
    ]
}

extension Session {
    func describe(_ invocation: Invocation) throws -> CommandOutput {
        let table = try currentTable()
        let names = invocation.list("columns").flatMap { $0.isEmpty ? nil : $0 }
        let summaries = try invocation.at("columns") { try Describe.summarize(table, columns: names) }
        var output = CommandOutput(command: "describe")
        output.table("summary", title: frame?.name,
                     columns: ["column", "count", "missing", "mean", "std", "min", "25%", "50%", "75%", "max"],
                     rows: summaries.map { s in
            [.text(s.name), .integer(Int64(s.count)), .integer(Int64(s.missing)), .real(s.mean), .real(s.std),
             .real(s.min), .real(s.q25), .real(s.median), .real(s.q75), .real(s.max)]
        })
        if summaries.isEmpty { output.say("The current frame has no numeric columns.") }
        return output
    }

    func counts(_ invocation: Invocation) throws -> CommandOutput {
        let table = try currentTable()
        let column = try invocation.at("column") { try table.column(named: invocation.string("column")!) }
        let counts = ValueCounts(column)
        let shown = invocation.int("top").map { Array(counts.entries.prefix($0)) } ?? counts.entries
        var output = CommandOutput(command: "counts")
        output.table("counts", title: "\(column.name) in \(frame?.name ?? "the frame")",
                     columns: [column.name, "count", "percent", "cumulative_percent"], rows: shown.map { entry in
            [entry.value, .integer(Int64(entry.count)), .real(entry.percent), .real(entry.cumulativePercent)]
        })
        output.blocks.append(.chart(.bars(name: "pareto", title: nil, labels: shown.map { $0.value.displayText },
                                          values: shown.map { Double($0.count) },
                                          notes: shown.map { "\(ValueFormatting.real(($0.cumulativePercent * 10).rounded() / 10))% cumulative" })))
        output.blocks.append(try drawChart(Charts.pareto(labels: shown.map { $0.value.displayText }, counts: shown.map { Double($0.count) },
                                                         cumulativePercent: shown.map(\.cumulativePercent),
                                                         title: "\(column.name): count and cumulative share"),
                                           name: "pareto", file: "counts-\(column.name)"))
        var summary = "\(counts.entries.count) distinct values in \(counts.total) present cells"
        if counts.missing > 0 { summary += "; \(counts.missing) missing cells not counted" }
        if shown.count < counts.entries.count { summary += "; \(counts.entries.count - shown.count) less frequent values not shown" }
        output.say(summary + ".")
        return output
    }

    func corr(_ invocation: Invocation) throws -> CommandOutput {
        let table = try currentTable()
        let names = invocation.list("columns").flatMap { $0.isEmpty ? nil : $0 }
        let matrix = try invocation.at("columns") { try CorrelationMatrix(table, columns: names) }
        let pairs = matrix.strongestPairs().prefix(invocation.int("top")!)
        var output = CommandOutput(command: "corr")
        output.table("pairs", title: "Strongest correlations (Pearson r)", columns: ["column_a", "column_b", "r"], rows: pairs.map { pair in
            [.text(pair.first), .text(pair.second), .real(pair.r)]
        })
        output.blocks.append(.chart(.heatmap(name: "matrix", title: "Correlation matrix (\(matrix.names.count) columns)",
                                             labels: matrix.names, values: matrix.values)))
        output.blocks.append(try drawChart(Charts.correlationHeatmap(labels: matrix.names, values: matrix.values,
                                                                     title: "Correlation matrix (\(matrix.names.count) columns)"),
                                           name: "correlation", file: "corr"))
        return output
    }

    func hist(_ invocation: Invocation) throws -> CommandOutput {
        let table = try currentTable()
        let column = try invocation.at("column") { try table.column(named: invocation.string("column")!) }
        let histogram = try invocation.at("column") { try Histogram(column, bins: invocation.int("bins")!) }
        let labels = histogram.counts.indices.map { index in
            "[\(ValueFormatting.real(histogram.edges[index])), \(ValueFormatting.real(histogram.edges[index + 1]))\(index == histogram.counts.count - 1 ? "]" : ")")"
        }
        var output = CommandOutput(command: "hist")
        output.blocks.append(.chart(.bars(name: "histogram", title: "\(column.name): \(histogram.counts.count) bins",
                                          labels: labels, values: histogram.counts.map(Double.init), notes: [])))
        output.blocks.append(try drawChart(Charts.histogram(edges: histogram.edges, counts: histogram.counts,
                                                            title: "\(column.name): \(histogram.counts.count) bins", feature: column.name),
                                           name: "histogram", file: "hist-\(column.name)"))
        if histogram.missing > 0 { output.say("\(histogram.missing) missing cells not counted.") }
        return output
    }
}
