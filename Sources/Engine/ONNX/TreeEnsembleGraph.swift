import MLCore

/// The tree models as one ai.onnx.ml `TreeEnsembleClassifier` (opset 3) reading double rows:
/// every node of every tree (`x[feature] <= threshold` goes to the left child: `BRANCH_LEQ`,
/// true → left), thresholds and leaf weights as double tensors, so rows take the same paths and
/// scores add up in double as in PlateShell; only the class scores leave the operator as float.
///
/// - decision tree, random forest, extra trees: each leaf's class fractions, summed over the trees
///   in double as PlateShell sums them, then (after the operator) divided by the tree count — so
///   classes whose sums tie exactly in PlateShell tie in onnxruntime too, and both pick the first;
/// - gradient boosting: the tree for class k adds its leaf value to class k, the base values are
///   the initial scores, then softmax;
/// - AdaBoost (SAMME): each tree's leaf votes for its majority class with the tree's weight ÷
///   (Σ weights · (K − 1)), then softmax.
struct TreeEnsembleGraph {
    private let trees: [Tree]
    private let classes: [String]
    /// The weights a leaf of tree t gives: (class, weight) pairs.
    private let leafWeights: (_ tree: Int, _ leaf: Int) -> [(Int, Double)]
    private let baseValues: [Double]?
    private let postTransform: String
    /// What the scores are multiplied by after the operator (1 ÷ the trees of a forest), or nil.
    private let scale: Double?

    /// The ensemble of a tree model, nil for other models.
    init?(_ model: FittedModel, classes: [String]) {
        self.classes = classes
        switch model {
        case .forest(let forest):
            let k = forest.classCount
            trees = forest.trees
            leafWeights = { t, leaf in (0..<k).map { ($0, forest.trees[t].value[leaf * k + $0]) } }
            baseValues = nil
            postTransform = "NONE"
            scale = 1 / Double(forest.trees.count)
        case .boosting(let boosting):
            trees = boosting.trees
            leafWeights = { t, leaf in [(t % boosting.classCount, boosting.trees[t].value[leaf])] }
            baseValues = boosting.initialScores
            postTransform = "SOFTMAX"
            scale = nil
        case .adaBoost(let ada):
            let votes = ada.voteScale
            trees = ada.stumps
            leafWeights = { t, leaf in [(AdaBoost.argmax(ada.stumps[t], leaf: leaf), ada.stumpWeights[t] / votes)] }
            baseValues = nil
            postTransform = "SOFTMAX"
            scale = nil
        case .dummy, .naiveBayes, .neighbors, .logistic, .linear, .quadratic:
            return nil
        }
    }

    /// Adds the operator reading `features` [N, F]; its label output is named `label`. Returns
    /// the class probabilities [N, K] as double.
    func add(to builder: inout ONNXGraphBuilder, features: String, label: String) -> String {
        var treeIds: [Int64] = []
        var nodeIds: [Int64] = []
        var featureIds: [Int64] = []
        var modes: [String] = []
        var thresholds: [Double] = []
        var yes: [Int64] = []
        var no: [Int64] = []
        var weightTrees: [Int64] = []
        var weightNodes: [Int64] = []
        var weightClasses: [Int64] = []
        var weights: [Double] = []
        for (t, tree) in trees.enumerated() {
            for node in 0..<tree.nodeCount {
                treeIds.append(Int64(t))
                nodeIds.append(Int64(node))
                let leaf = tree.isLeaf(node)
                modes.append(leaf ? "LEAF" : "BRANCH_LEQ")
                featureIds.append(leaf ? 0 : Int64(tree.feature[node]))
                thresholds.append(leaf ? 0 : tree.threshold[node])
                yes.append(leaf ? 0 : Int64(tree.left[node]))
                no.append(leaf ? 0 : Int64(tree.right[node]))
                guard leaf else { continue }
                for (k, weight) in leafWeights(t, node) where weight != 0 {
                    weightTrees.append(Int64(t))
                    weightNodes.append(Int64(node))
                    weightClasses.append(Int64(k))
                    weights.append(weight)
                }
            }
        }
        // A class no leaf weighs gets an explicit 0: onnxruntime reads an ensemble weighing only
        // one of two classes as a binary classifier and derives the other class's score.
        for k in classes.indices where !weightClasses.contains(Int64(k)) {
            weightTrees.append(0)
            weightNodes.append(Int64(firstLeaf(of: trees[0])))
            weightClasses.append(Int64(k))
            weights.append(0)
        }
        func tensor(_ values: [Double]) -> ONNXAttribute.Value {
            .tensor(ONNXTensor(name: "", dims: [Int64(values.count)], .doubles(values)))
        }
        var attributes = [
            ONNXAttribute("nodes_treeids", .ints(treeIds)), ONNXAttribute("nodes_nodeids", .ints(nodeIds)),
            ONNXAttribute("nodes_featureids", .ints(featureIds)), ONNXAttribute("nodes_modes", .strings(modes)),
            ONNXAttribute("nodes_values_as_tensor", tensor(thresholds)),
            ONNXAttribute("nodes_truenodeids", .ints(yes)), ONNXAttribute("nodes_falsenodeids", .ints(no)),
            ONNXAttribute("class_treeids", .ints(weightTrees)), ONNXAttribute("class_nodeids", .ints(weightNodes)),
            ONNXAttribute("class_ids", .ints(weightClasses)), ONNXAttribute("class_weights_as_tensor", tensor(weights)),
            ONNXAttribute("classlabels_strings", .strings(classes)),
            ONNXAttribute("post_transform", .string(postTransform)),
        ]
        if let baseValues { attributes.append(ONNXAttribute("base_values_as_tensor", tensor(baseValues))) }
        let scores = builder.apply(
            "TreeEnsembleClassifier", [features], domain: ONNXModel.mlDomain, attributes: attributes,
            outputs: [label, "class_scores"])[1]
        let probabilities = builder.apply(
            "Cast", [scores], attributes: [ONNXAttribute("to", .int(ONNXElementType.double.rawValue))])
        guard let scale else { return probabilities }
        return builder.apply("Mul", [probabilities, builder.constant("tree_share", dims: [], .doubles([scale]))])
    }

    private func firstLeaf(of tree: Tree) -> Int {
        (0..<tree.nodeCount).first { tree.isLeaf($0) }!
    }
}
