import MLCore

/// Builds a graph node by node: each `apply` adds a node reading earlier values and returns the
/// name of its output, so graphs are written in topological order; constants become
/// initializers. Names are the operator and a counter (`MatMul_3`), or the graph output's name.
struct ONNXGraphBuilder {
    private(set) var nodes: [ONNXNode] = []
    private(set) var initializers: [ONNXTensor] = []
    private var counts: [String: Int] = [:]

    private mutating func fresh(_ stem: String) -> String {
        counts[stem, default: 0] += 1
        return "\(stem)_\(counts[stem]!)"
    }

    /// A constant tensor; returns its name.
    mutating func constant(_ stem: String, dims: [Int], _ values: ONNXTensor.Values) -> String {
        let name = fresh(stem)
        initializers.append(ONNXTensor(name: name, dims: dims.map(Int64.init), values))
        return name
    }

    /// A constant matrix of doubles (rows × columns).
    mutating func constant(_ stem: String, _ matrix: Matrix) -> String {
        constant(stem, dims: [matrix.rows, matrix.columns], .doubles(matrix.values))
    }

    /// A constant vector of doubles.
    mutating func constant(_ stem: String, _ vector: [Double]) -> String {
        constant(stem, dims: [vector.count], .doubles(vector))
    }

    /// Adds a node with several outputs; returns their names (`outputs`, or fresh ones).
    mutating func apply(
        _ opType: String, _ inputs: [String], domain: String = "", attributes: [ONNXAttribute] = [],
        outputs: [String]
    ) -> [String] {
        nodes.append(
            ONNXNode(
                opType: opType, domain: domain, name: fresh(opType), inputs: inputs, outputs: outputs,
                attributes: attributes))
        return outputs
    }

    /// Adds a node with one output; returns its name (`output`, or a fresh one).
    @discardableResult
    mutating func apply(_ opType: String, _ inputs: [String], attributes: [ONNXAttribute] = [], output: String? = nil)
        -> String
    {
        apply(opType, inputs, attributes: attributes, outputs: [output ?? fresh(opType.lowercased())])[0]
    }

    /// The graph with these inputs and outputs.
    func graph(name: String, inputs: [ONNXValueInfo], outputs: [ONNXValueInfo]) -> ONNXGraph {
        ONNXGraph(name: name, nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs)
    }
}

extension ONNXGraphBuilder {
    /// The raw rows as one double matrix [N, F]: each input column (int64 ones cast to double)
    /// made a column [N, 1], then concatenated.
    mutating func featureMatrix(_ inputs: [ONNXValueInfo]) -> String {
        let axes = constant("axes", dims: [1], .int64s([1]))
        let columns = inputs.map { input in
            let column =
                input.elementType == .int64
                ? apply("Cast", [input.name], attributes: [ONNXAttribute("to", .int(ONNXElementType.double.rawValue))])
                : input.name
            return apply("Unsqueeze", [column, axes])
        }
        return apply("Concat", columns, attributes: [ONNXAttribute("axis", .int(1))])
    }

    /// The fitted preprocessing applied to `x`, with PlateShell's arithmetic: (x − mean) / scale,
    /// then (x − mean) · componentsᵀ.
    mutating func preprocess(_ x: String, _ preprocessing: FittedPreprocessing) -> String {
        var out = x
        if let scaler = preprocessing.scaler {
            out = apply("Sub", [out, constant("scaler_mean", scaler.mean)])
            out = apply("Div", [out, constant("scaler_scale", scaler.scale)])
        }
        if let pca = preprocessing.pca {
            out = apply("Sub", [out, constant("pca_mean", pca.mean)])
            out = apply("MatMul", [out, constant("pca_components", pca.components.transposed)])
        }
        return out
    }

    /// Column k of a matrix [N, K] as its own vector [N], named `output`.
    mutating func column(_ k: Int, of matrix: String, output: String) {
        apply(
            "Gather", [matrix, constant("index", dims: [], .int64s([Int64(k)]))],
            attributes: [ONNXAttribute("axis", .int(1))],
            output: output)
    }
}
