import MLCore

/// The validator's knowledge of ai.onnx.ml's `TreeEnsembleClassifier` (opset 3) as PlateShell
/// emits it: double thresholds and leaf weights as tensors, string class labels. Beyond arity and
/// attribute types it checks what the operator's shape inference and onnxruntime rely on: the
/// node arrays agree in length, every branch leads to a node of its own tree, every weight sits
/// on a leaf and names a class.
enum TreeEnsembleCheck {
    static let modes: Set<String> = ["BRANCH_LEQ", "LEAF"]
    static let postTransforms: Set<String> = ["NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"]
    static let nodeArrays = [
        "nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_truenodeids", "nodes_falsenodeids",
    ]
    static let classArrays = ["class_treeids", "class_nodeids", "class_ids"]

    static let schema = ONNXOperator(
        domain: ONNXModel.mlDomain, inputs: 1...1, outputs: 2,
        attributes: Dictionary(
            uniqueKeysWithValues: (nodeArrays + classArrays).map { ($0, ONNXOperator.AttributeKind.ints) }
        )
        .merging([
            "nodes_modes": .strings, "nodes_values_as_tensor": .tensor, "class_weights_as_tensor": .tensor,
            "base_values_as_tensor": .tensor, "classlabels_strings": .strings, "post_transform": .string,
        ]) { $1 },
        required: Set(
            nodeArrays + classArrays + [
                "nodes_modes", "nodes_values_as_tensor", "class_weights_as_tensor", "classlabels_strings",
            ]),
        typing: { node, inputs, problems in
            if !ONNXOperator.numeric.contains(inputs[0]) { problems.append("does not take \(inputs[0]) features") }
            problems += structureProblems(node)
            return [.string, .float]
        })

    /// What is inconsistent in the node's trees (its attributes have the right kinds).
    static func structureProblems(_ node: ONNXNode) -> [String] {
        func ints(_ name: String) -> [Int64] {
            if case .ints(let values) = node.attribute(name)?.value { return values }
            return []
        }
        func doubles(_ name: String) -> [Double]? {
            if case .tensor(let tensor) = node.attribute(name)?.value, case .doubles(let values) = tensor.values {
                return values
            }
            return nil
        }
        var problems: [String] = []
        guard case .strings(let modes) = node.attribute("nodes_modes")?.value,
            case .strings(let labels) = node.attribute("classlabels_strings")?.value
        else { return ["lacks nodes_modes or class labels"] }
        let nodeCount = modes.count
        for name in nodeArrays where ints(name).count != nodeCount {
            problems.append("\(name) has \(ints(name).count) entries for \(nodeCount) nodes")
        }
        if doubles("nodes_values_as_tensor")?.count != nodeCount {
            problems.append("nodes_values_as_tensor must hold \(nodeCount) doubles")
        }
        if let unknown = Set(modes).subtracting(Self.modes).first { problems.append("unknown node mode '\(unknown)'") }
        if labels.isEmpty { problems.append("has no class labels") }
        guard problems.isEmpty else { return problems }
        let trees = ints("nodes_treeids")
        let ids = ints("nodes_nodeids")
        var isLeaf = [NodeKey: Bool](minimumCapacity: nodeCount)
        for i in 0..<nodeCount { isLeaf[NodeKey(tree: trees[i], node: ids[i])] = modes[i] == "LEAF" }
        if isLeaf.count != nodeCount { problems.append("two nodes share a tree and node id") }
        let features = ints("nodes_featureids")
        let yes = ints("nodes_truenodeids")
        let no = ints("nodes_falsenodeids")
        for i in 0..<nodeCount where modes[i] != "LEAF" {
            if features[i] < 0 { problems.append("node \(trees[i])/\(ids[i]) splits on feature \(features[i])") }
            for child in [yes[i], no[i]] where isLeaf[NodeKey(tree: trees[i], node: child)] == nil {
                problems.append("node \(trees[i])/\(ids[i]) branches to node \(child), which tree \(trees[i]) lacks")
            }
        }
        let weightCount = ints("class_ids").count
        for name in classArrays where ints(name).count != weightCount {
            problems.append("\(name) has \(ints(name).count) entries for \(weightCount) class weights")
        }
        if doubles("class_weights_as_tensor")?.count != weightCount {
            problems.append("class_weights_as_tensor must hold \(weightCount) doubles")
        }
        guard problems.isEmpty else { return problems }
        for (tree, (node, label)) in zip(ints("class_treeids"), zip(ints("class_nodeids"), ints("class_ids"))) {
            if isLeaf[NodeKey(tree: tree, node: node)] != true {
                problems.append("a class weight sits on \(tree)/\(node), which is not a leaf")
            }
            if label < 0 || label >= labels.count {
                problems.append("a class weight names class \(label) of \(labels.count)")
            }
        }
        if node.attribute("base_values_as_tensor") != nil && doubles("base_values_as_tensor")?.count != labels.count {
            problems.append("base_values_as_tensor must hold one double per class (\(labels.count))")
        }
        if case .string(let transform) = node.attribute("post_transform")?.value, !postTransforms.contains(transform) {
            problems.append("unknown post_transform '\(transform)'")
        }
        return problems
    }

    /// A node of the ensemble: its tree and its id in that tree.
    private struct NodeKey: Hashable {
        let tree: Int64
        let node: Int64
    }
}
