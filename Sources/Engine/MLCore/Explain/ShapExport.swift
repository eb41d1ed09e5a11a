import Foundation

/// A model in a form the shap library reads, with PlateShell's SHAP values beside it, so shap can
/// explain the very model PlateShell fitted and the two sets of values can be compared.
///
/// Tree models go in shap's custom tree format: `{"model": {"trees": [...], "base_offset": [...],
/// "tree_output": "raw_value"}, ...}`. Each tree has `children_left`, `children_right`,
/// `children_default`, `features`, `thresholds`, `values` (nodes × classes) and
/// `node_sample_weight`; forests' values are divided by the tree count (shap sums tree outputs), a
/// boosting tree's value sits in its class's column, AdaBoost's stumps carry their votes. Linear
/// pipelines (scaler, PCA, a linear model) go as their affine form in the raw features, which
/// `shap.LinearExplainer` takes: `{"model": {"coefficients": [features][classes], "intercepts":
/// [...]}, "background": [[...]], ...}`. Both carry `"rows": [[...]]`, `"shap": [rows][features]
/// [classes]`, `"base"`, `"outputs"` (the model's outputs in `"space"`) and `"space"`.
public enum ShapExport {
    /// The document for `pipeline` (a tree model, or a linear pipeline explained against
    /// `background`), with `explanation`'s values of `rows`.
    public static func document(
        _ pipeline: FittedPipeline, rows: Matrix, background: Matrix, explanation: Explanation
    ) throws -> Data {
        let model: [String: Any]
        var extra: [String: Any] = [:]
        if let (intercepts, coefficients) = Explainer.affineForm(of: pipeline, typical: background) {
            model = [
                "coefficients": (0..<coefficients.rows).map { coefficients.row($0) }, "intercepts": intercepts,
            ]
            extra["background"] = (0..<background.rows).map { background.row($0) }
        } else {
            model = try treeModel(pipeline)
        }
        let shap = (0..<rows.rows).map { r in
            (0..<rows.columns).map { f in
                (0..<pipeline.classes.count).map { explanation.value(row: r, feature: f, output: $0) }
            }
        }
        let document: [String: Any] = [
            "model": model, "rows": (0..<rows.rows).map { rows.row($0) }, "features": pipeline.features,
            "classes": pipeline.classes, "shap": shap, "base": explanation.base, "space": explanation.space.rawValue,
            "outputs": (0..<explanation.outputs.rows).map { explanation.outputs.row($0) },
        ].merging(extra) { $1 }
        return try JSONSerialization.data(withJSONObject: document)
    }

    /// A tree model in shap's custom tree format.
    private static func treeModel(_ pipeline: FittedPipeline) throws -> [String: Any] {
        let k = pipeline.classes.count
        var trees: [[String: Any]] = []
        var offset = [Double](repeating: 0, count: k)
        func add(_ tree: Tree, column: Int?, scale: Double) {
            let values: [[Double]] = (0..<tree.nodeCount).map { node in
                (0..<k).map { c in
                    if let column { return c == column ? tree.value[node] * scale : 0 }
                    return tree.value[node * tree.outputs + c] * scale
                }
            }
            trees.append([
                "children_left": tree.left.map(Int.init), "children_right": tree.right.map(Int.init),
                "children_default": tree.left.map(Int.init), "features": tree.feature.map { max(Int($0), 0) },
                "thresholds": tree.threshold, "values": values, "node_sample_weight": tree.cover,
            ])
        }
        switch pipeline.model {
        case .forest(let forest):
            for tree in forest.trees { add(tree, column: nil, scale: 1 / Double(forest.trees.count)) }
        case .boosting(let boosting):
            offset = boosting.initialScores
            for (index, tree) in boosting.trees.enumerated() { add(tree, column: index % k, scale: 1) }
        case .adaBoost(let ada): for tree in ada.voteTrees() { add(tree, column: nil, scale: 1) }
        default: throw EngineError(.invalidArgument, "only tree and linear models can be written for shap")
        }
        return ["trees": trees, "base_offset": offset, "tree_output": "raw_value"]
    }
}
