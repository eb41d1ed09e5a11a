import Engine

/// The HTML report `monitor` logs with its run: the command's output (its messages, the drift and
/// prediction-shift tables, the PSI chart inline) on one self-contained page.
enum MonitorReport {
    /// The page for `output`, headed by `title`.
    static func page(_ output: CommandOutput, title: String) -> String {
        let body =
            "<section class=\"cell\">\n<h1>\(HTMLRenderer.escape(title))</h1>\n"
            + "<p>PSI on the baseline's \(PopulationStability.binCount) quantile bins (an empty bin counts as a share of "
            + "\(PopulationStability.emptyShare)); the two-sample Kolmogorov–Smirnov test as scipy.stats.ks_2samp "
            + "(exact up to \(KolmogorovSmirnov.exactLimit) rows a side). See docs/MONITORING.md.</p>\n"
            + HTMLRenderer(embedImages: true).render(output) + "\n</section>"
        return HTMLPage.document(title: title, body: body)
    }
}
