import MLCore

/// Structural checks of an `ONNXModel` before it is encoded: what `onnx.checker` (with type
/// inference) would reject in the graphs PlateShell builds.
///
/// - every value is defined once (graph inputs, initializers, node outputs), and every node reads
///   only values defined before it (the nodes are in topological order);
/// - every operator is one of those PlateShell emits, in its domain, with the right number of
///   inputs and outputs and only known attributes of the right types, the required ones present;
/// - element types flow through the graph by each operator's rule, the operands of arithmetic
///   agree, and every graph output is produced with the type it declares;
/// - constant tensors hold as many values as their dimensions say;
/// - a tree ensemble's parallel arrays agree in length, every branch leads to a node of its tree,
///   and every class weight names a leaf and a class.
enum ONNXValidator {
    /// - Throws: `EngineError.invalidData` listing every problem found.
    static func check(_ model: ONNXModel) throws {
        var problems: [String] = []
        check(model.graph, into: &problems)
        guard problems.isEmpty else {
            throw EngineError(
                .invalidData,
                "the ONNX graph '\(model.graph.name)' is invalid: \(problems.prefix(5).joined(separator: "; "))"
                    + (problems.count > 5 ? " (and \(problems.count - 5) more)" : ""),
                hint: "this is a bug in PlateShell's ONNX export; the model is logged without model.onnx")
        }
    }

    private static func check(_ graph: ONNXGraph, into problems: inout [String]) {
        var types: [String: ONNXElementType] = [:]
        func define(_ name: String, _ type: ONNXElementType, by what: String) {
            if name.isEmpty {
                problems.append("\(what) defines a value with an empty name")
            } else if types[name] != nil {
                problems.append("'\(name)' is defined twice (again by \(what))")
            } else {
                types[name] = type
            }
        }
        if graph.inputs.isEmpty { problems.append("the graph has no inputs") }
        if graph.outputs.isEmpty { problems.append("the graph has no outputs") }
        for input in graph.inputs { define(input.name, input.elementType, by: "graph input") }
        for tensor in graph.initializers {
            define(tensor.name, tensor.elementType, by: "initializer")
            let expected = tensor.dims.reduce(1, *)
            if tensor.dims.contains(where: { $0 < 0 }) || Int64(tensor.count) != expected {
                problems.append("initializer '\(tensor.name)' has dims \(tensor.dims) but \(tensor.count) values")
            }
        }
        var nodeNames = Set<String>()
        for node in graph.nodes {
            let what = "node '\(node.name)' (\(node.opType))"
            if !nodeNames.insert(node.name).inserted { problems.append("two nodes are named '\(node.name)'") }
            let inputTypes = node.inputs.map { name -> ONNXElementType? in
                if types[name] == nil {
                    problems.append("\(what) reads '\(name)', which no earlier node, input or initializer defines")
                }
                return types[name]
            }
            guard let schema = ONNXOperator.schemas[node.opType], schema.domain == node.domain else {
                problems.append("\(what) is not an operator PlateShell emits in domain '\(node.domain)'")
                continue
            }
            let (nodeProblems, outputTypes) = schema.check(node, inputTypes: inputTypes)
            problems += nodeProblems.map { "\(what): \($0)" }
            for (index, output) in node.outputs.enumerated() {
                define(output, index < outputTypes.count ? outputTypes[index] : .double, by: what)
            }
        }
        for output in graph.outputs {
            guard let type = types[output.name] else {
                problems.append("graph output '\(output.name)' is not produced by any node")
                continue
            }
            if type != output.elementType {
                problems.append("graph output '\(output.name)' is declared \(output.elementType) but is \(type)")
            }
        }
    }
}
