import Engine

/// The exploration commands: summary statistics, counts, correlations and histograms of the
/// current frame, which is all they read.
struct ExplorationCommands: CommandGroup {
    static let readsTracking = false
    let frames: FrameState

    init(session: Session) { frames = session.frames }

    static let rows: [CommandSpec] = [
        CommandSpec(
            "describe", category: .exploration, summary: "Summary statistics of numeric columns.",
            help: """
                For each numeric column (or those named): count of present values, missing, mean, standard deviation \
                (n−1), min, the 25%, 50% and 75% quantiles (linear interpolation, as pandas) and max.
                """,
            examples: ["describe", "describe Pixels_Areas,Steel_Plate_Thickness"],
            handler: run { try $0.describe($1) }),
        CommandSpec(
            "counts", category: .exploration, summary: "How often each value occurs: a Pareto table and chart.",
            help:
                "Counts each value of a column, most frequent first, with percent and cumulative percent of the present cells, and a bar chart.",
            examples: ["counts Label", "counts Steel_Plate_Thickness top=5"],
            handler: run { try $0.counts($1) }),
        CommandSpec(
            "corr", category: .exploration, summary: "Pearson correlations: the strongest pairs and a heatmap.",
            help:
                "Correlates the numeric columns (or those named), each pair over the rows where both are present, as pandas does; lists the strongest pairs and draws the matrix as a heatmap.",
            examples: ["corr", "corr top=5", "corr X_Minimum,X_Maximum,Pixels_Areas"],
            handler: run { try $0.corr($1) }),
        CommandSpec(
            "hist", category: .exploration, summary: "A histogram of a numeric column.",
            help: "Counts the values of a numeric column in equal-width bins between its minimum and maximum.",
            examples: ["hist Steel_Plate_Thickness bins=20"],
            handler: run { try $0.hist($1) }),
    ]

    struct DescribeArguments: CommandArguments {
        let columns = Positional<[String]?>(
            variadic: "columns", .columns, help: "columns to describe (default: every numeric column)")
    }

    func describe(_ arguments: Arguments<DescribeArguments>) throws -> CommandOutput {
        let names = arguments.columns.flatMap { $0.isEmpty ? nil : $0 }
        let (summaries, note) = try arguments.at(\.columns) {
            if let stored = try frames.storedStatistics() {
                return try stored.statistics.describe(stored.version, columns: names)
            }
            return (try Engine.Describe.summarize(try frames.currentTable(), columns: names), nil)
        }
        var output = CommandOutput(command: "describe")
        output.table(
            "summary", title: frames.frame?.name,
            columns: ["column", "count", "missing", "mean", "std", "min", "25%", "50%", "75%", "max"],
            rows: summaries.map { s in
                [
                    .text(s.name), .integer(Int64(s.count)), .integer(Int64(s.missing)), .real(s.mean), .real(s.std),
                    .real(s.min), .real(s.q25), .real(s.median), .real(s.q75), .real(s.max),
                ]
            })
        if summaries.isEmpty { output.say("The current frame has no numeric columns.") }
        if let note { output.say(note) }
        return output
    }

    struct CountsArguments: CommandArguments {
        let column = Positional<String>("column", .column, help: "the column to count")
        let top = Parameter<Int?>("top", .int(min: 1, max: nil), help: "show only the N most frequent values")
    }

    func counts(_ arguments: Arguments<CountsArguments>) throws -> CommandOutput {
        let (name, counts) = try arguments.at(\.column) {
            if let stored = try frames.storedStatistics() {
                return try stored.statistics.counts(stored.version, column: arguments.column)
            }
            let column = try frames.currentTable().column(named: arguments.column)
            return (column.name, ValueCounts(column))
        }
        let shown = arguments.top.map { Array(counts.entries.prefix($0)) } ?? counts.entries
        var output = CommandOutput(command: "counts")
        output.table(
            "counts", title: "\(name) in \(frames.name)",
            columns: [name, "count", "percent", "cumulative_percent"],
            rows: shown.map { entry in
                [entry.value, .integer(Int64(entry.count)), .real(entry.percent), .real(entry.cumulativePercent)]
            })
        output.blocks.append(
            .chart(
                .bars(
                    name: "pareto", title: nil, labels: shown.map { $0.value.displayText },
                    values: shown.map { Double($0.count) },
                    notes: shown.map {
                        "\(ValueFormatting.real(($0.cumulativePercent * 10).rounded() / 10))% cumulative"
                    })))
        output.blocks.append(
            try frames.workspace.drawChart(
                Charts.pareto(
                    labels: shown.map { $0.value.displayText }, counts: shown.map { Double($0.count) },
                    cumulativePercent: shown.map(\.cumulativePercent),
                    title: "\(name): count and cumulative share"),
                name: "pareto", file: "counts-\(name)"))
        var summary = "\(counts.entries.count) distinct values in \(counts.total) present cells"
        if counts.missing > 0 { summary += "; \(counts.missing) missing cells not counted" }
        if shown.count < counts.entries.count {
            summary += "; \(counts.entries.count - shown.count) less frequent values not shown"
        }
        output.say(summary + ".")
        return output
    }

    struct CorrArguments: CommandArguments {
        let columns = Positional<[String]?>(
            variadic: "columns", .columns, help: "columns to correlate (default: every numeric column)")
        let top = Parameter<Int>("top", .int(min: 1, max: nil), default: 10, help: "how many pairs to list")
    }

    func corr(_ arguments: Arguments<CorrArguments>) throws -> CommandOutput {
        let names = arguments.columns.flatMap { $0.isEmpty ? nil : $0 }
        let matrix = try arguments.at(\.columns) {
            if let stored = try frames.storedStatistics() {
                return try stored.statistics.correlations(stored.version, columns: names)
            }
            return try CorrelationMatrix(try frames.currentTable(), columns: names)
        }
        let pairs = matrix.strongestPairs().prefix(arguments.top)
        var output = CommandOutput(command: "corr")
        output.table(
            "pairs", title: "Strongest correlations (Pearson r)", columns: ["column_a", "column_b", "r"],
            rows: pairs.map { pair in
                [.text(pair.first), .text(pair.second), .real(pair.r)]
            })
        output.blocks.append(
            .chart(
                .heatmap(
                    name: "matrix", title: "Correlation matrix (\(matrix.names.count) columns)",
                    labels: matrix.names, values: matrix.values)))
        output.blocks.append(
            try frames.workspace.drawChart(
                Charts.correlationHeatmap(
                    labels: matrix.names, values: matrix.values,
                    title: "Correlation matrix (\(matrix.names.count) columns)"),
                name: "correlation", file: "corr"))
        return output
    }

    struct HistArguments: CommandArguments {
        let column = Positional<String>("column", .column, help: "the numeric column")
        let bins = Parameter<Int>("bins", .int(min: 1, max: 200), default: 10, help: "how many bins")
    }

    func hist(_ arguments: Arguments<HistArguments>) throws -> CommandOutput {
        let (name, histogram) = try arguments.at(\.column) {
            if let stored = try frames.storedStatistics() {
                return try stored.statistics.histogram(
                    stored.version, column: arguments.column, bins: arguments.bins)
            }
            let column = try frames.currentTable().column(named: arguments.column)
            return (column.name, try Histogram(column, bins: arguments.bins))
        }
        let labels = histogram.counts.indices.map { index in
            "[\(ValueFormatting.real(histogram.edges[index])), \(ValueFormatting.real(histogram.edges[index + 1]))\(index == histogram.counts.count - 1 ? "]" : ")")"
        }
        var output = CommandOutput(command: "hist")
        output.blocks.append(
            .chart(
                .bars(
                    name: "histogram", title: "\(name): \(histogram.counts.count) bins",
                    labels: labels, values: histogram.counts.map(Double.init), notes: [])))
        output.blocks.append(
            try frames.workspace.drawChart(
                Charts.histogram(
                    edges: histogram.edges, counts: histogram.counts,
                    title: "\(name): \(histogram.counts.count) bins", feature: name),
                name: "histogram", file: "hist-\(name)"))
        if histogram.missing > 0 { output.say("\(histogram.missing) missing cells not counted.") }
        return output
    }
}
