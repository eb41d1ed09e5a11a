import Foundation

/// A tree model in the shap library's custom tree format, so `shap.TreeExplainer` can explain the
/// very trees PlateShell fitted and the two sets of values can be compared.
///
/// The document: `{"model": {"trees": [...], "base_offset": [...], "tree_output": "raw_value"},
/// "rows": [[...]], "shap": [rows][features][classes], "base": [...], "space": ...}`. Each tree
/// has `children_left`, `children_right`, `children_default`, `features`, `thresholds`, `values`
/// (nodes × classes) and `node_sample_weight`; forests' values are divided by the tree count (shap
/// sums tree outputs), a boosting tree's value sits in its class's column, AdaBoost's stumps carry
/// their votes.
public enum ShapExport {
    public static func document(_ pipeline: FittedPipeline, rows: Matrix, explanation: Explanation) throws -> Data {
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
        default: throw EngineError(.invalidArgument, "only tree models can be written in shap's tree format")
        }
        let shap = (0..<rows.rows).map { r in
            (0..<rows.columns).map { f in (0..<k).map { explanation.value(row: r, feature: f, output: $0) } }
        }
        let document: [String: Any] = [
            "model": ["trees": trees, "base_offset": offset, "tree_output": "raw_value"],
            "rows": (0..<rows.rows).map { rows.row($0) }, "features": pipeline.features, "classes": pipeline.classes,
            "shap": shap, "base": explanation.base, "space": explanation.space.rawValue,
        ]
        return try JSONSerialization.data(withJSONObject: document)
    }
}
