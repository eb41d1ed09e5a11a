import MLCore

/// What `ONNXValidator` knows of each operator PlateShell emits: its domain, how many inputs and
/// outputs it has, its attributes (and which are required), and how element types flow through
/// it — from the operator definitions of opset 17 and ai.onnx.ml opset 3.
struct ONNXOperator: Sendable {
    enum AttributeKind: Sendable {
        case int, string, tensor, ints, strings
    }

    typealias Typing =
        @Sendable (_ node: ONNXNode, _ inputs: [ONNXElementType], _ problems: inout [String]) -> [ONNXElementType]

    let domain: String
    let inputs: ClosedRange<Int>
    let outputs: Int
    let attributes: [String: AttributeKind]
    let required: Set<String>
    /// Checks the input types and returns the output types.
    let typing: Typing

    /// Problems with the node's arity and attributes, then with its input types (when all are
    /// known), and its output types (when there are no problems).
    func check(_ node: ONNXNode, inputTypes: [ONNXElementType?]) -> (problems: [String], outputs: [ONNXElementType]) {
        var problems: [String] = []
        if !inputs.contains(node.inputs.count) { problems.append("takes \(inputs) inputs, has \(node.inputs.count)") }
        if node.outputs.count != outputs {
            problems.append("has \(outputs) output\(outputs == 1 ? "" : "s"), names \(node.outputs.count)")
        }
        var seen = Set<String>()
        for attribute in node.attributes {
            if !seen.insert(attribute.name).inserted { problems.append("attribute '\(attribute.name)' is given twice") }
            guard let kind = attributes[attribute.name] else {
                problems.append("has no attribute '\(attribute.name)'")
                continue
            }
            if kind != attribute.value.kind {
                problems.append("attribute '\(attribute.name)' must be \(kind), is \(attribute.value.kind)")
            }
        }
        for name in required.sorted() where !seen.contains(name) {
            problems.append("lacks the required attribute '\(name)'")
        }
        let known = inputTypes.compactMap { $0 }
        guard problems.isEmpty, known.count == inputTypes.count else { return (problems, []) }
        let outputs = typing(node, known, &problems)
        return (problems, problems.isEmpty ? outputs : [])
    }

    static let numeric: Set<ONNXElementType> = [.float, .double, .int64]

    /// All inputs of one numeric type (`allowed`); the output has it too.
    static func uniform(_ allowed: Set<ONNXElementType> = numeric) -> Typing {
        { _, inputs, problems in
            if Set(inputs).count > 1 {
                problems.append("mixes element types \(inputs.map(\.description).joined(separator: ", "))")
            }
            if !allowed.contains(inputs[0]) { problems.append("does not take \(inputs[0]) tensors") }
            return [inputs[0]]
        }
    }

    /// The first input of any numeric type, the others int64 (axes, indices); the output has the first's type.
    static func indexed(_ allowed: Set<ONNXElementType> = numeric) -> Typing {
        { _, inputs, problems in
            if !allowed.contains(inputs[0]) { problems.append("does not take \(inputs[0]) data") }
            if inputs.dropFirst().contains(where: { $0 != .int64 }) { problems.append("takes int64 axes or indices") }
            return [inputs[0]]
        }
    }

    private static func standard(
        _ inputs: ClosedRange<Int>, outputs: Int = 1, attributes: [String: AttributeKind] = [:],
        required: Set<String> = [], typing: @escaping Typing
    ) -> ONNXOperator {
        ONNXOperator(
            domain: "", inputs: inputs, outputs: outputs, attributes: attributes, required: required, typing: typing)
    }

    /// The operators by name.
    static let schemas: [String: ONNXOperator] = [
        "Add": standard(2...2, typing: uniform()),
        "Sub": standard(2...2, typing: uniform()),
        "Mul": standard(2...2, typing: uniform()),
        "Div": standard(2...2, typing: uniform()),
        "MatMul": standard(2...2, typing: uniform([.float, .double])),
        "Softmax": standard(1...1, attributes: ["axis": .int], typing: uniform([.float, .double])),
        "Concat": standard(
            1...Int.max, attributes: ["axis": .int], required: ["axis"],
            typing: uniform([.float, .double, .int64, .string])),
        "Unsqueeze": standard(2...2, typing: indexed([.float, .double, .int64, .string])),
        "ReduceSum": standard(1...2, attributes: ["keepdims": .int, "noop_with_empty_axes": .int], typing: indexed()),
        "Gather": standard(2...2, attributes: ["axis": .int], typing: indexed([.float, .double, .int64, .string])),
        "ArgMax": standard(1...1, attributes: ["axis": .int, "keepdims": .int, "select_last_index": .int]) {
            _, inputs, problems in
            if !numeric.contains(inputs[0]) { problems.append("does not take \(inputs[0]) tensors") }
            return [.int64]
        },
        "Cast": standard(1...1, attributes: ["to": .int], required: ["to"]) { node, inputs, problems in
            guard case .int(let code) = node.attribute("to")?.value, let type = ONNXElementType(rawValue: code),
                numeric.contains(type),
                numeric.contains(inputs[0])
            else {
                problems.append("casts between numeric types only")
                return [.double]
            }
            return [type]
        },
        "TreeEnsembleClassifier": TreeEnsembleCheck.schema,
    ]
}

extension ONNXAttribute.Value {
    var kind: ONNXOperator.AttributeKind {
        switch self {
        case .int: .int
        case .string: .string
        case .tensor: .tensor
        case .ints: .ints
        case .strings: .strings
        }
    }
}
