import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore
@testable import ONNX

/// Broken graphs are refused before a byte is written, with what is wrong.
@Suite("ONNX validation")
struct ONNXValidatorTests {
    static let x = ONNXValueInfo(name: "x", elementType: .double, shape: [nil, 2])
    static let n = ONNXValueInfo(name: "n", elementType: .int64, shape: [nil, 2])

    /// The message of the error `serialized()` throws for a graph of `nodes` (inputs x and n, output y).
    static func refusal(
        _ nodes: [ONNXNode], initializers: [ONNXTensor] = [],
        output: ONNXValueInfo = ONNXValueInfo(name: "y", elementType: .double, shape: [nil, 2])
    ) -> String? {
        let graph = ONNXGraph(name: "g", nodes: nodes, initializers: initializers, inputs: [x, n], outputs: [output])
        return engineError { _ = try ONNXModel(graph: graph, producerVersion: "test").serialized() }?.message
    }

    static func node(
        _ op: String, _ inputs: [String], outputs: [String] = ["y"], name: String = "n1", domain: String = "",
        attributes: [ONNXAttribute] = []
    ) -> ONNXNode {
        ONNXNode(opType: op, domain: domain, name: name, inputs: inputs, outputs: outputs, attributes: attributes)
    }

    @Test("a valid graph passes")
    func valid() {
        #expect(Self.refusal([Self.node("Add", ["x", "x"])]) == nil)
    }

    @Test("values: read before defined, defined twice, outputs never produced or of another type")
    func values() {
        #expect(
            Self.refusal([Self.node("Add", ["x", "z"])])?.contains(
                "reads 'z', which no earlier node, input or initializer defines") == true)
        #expect(
            Self.refusal([
                Self.node("Add", ["y", "x"], outputs: ["w"], name: "a"), Self.node("Add", ["x", "x"], name: "b"),
            ])?
            .contains("reads 'y'") == true, "nodes must be in topological order")
        #expect(Self.refusal([Self.node("Add", ["x", "x"], outputs: ["x"])])?.contains("'x' is defined twice") == true)
        #expect(
            Self.refusal([Self.node("Add", ["x", "x"], outputs: ["w"])])?.contains(
                "graph output 'y' is not produced by any node") == true)
        #expect(
            Self.refusal([Self.node("ArgMax", ["x"])])?.contains("graph output 'y' is declared double but is int64")
                == true)
        #expect(
            Self.refusal(
                [Self.node("Add", ["x", "x"])], initializers: [ONNXTensor(name: "c", dims: [3], .doubles([1, 2]))])?
                .contains("initializer 'c' has dims [3] but 2 values") == true)
    }

    @Test("operators: unknown ones, wrong arity, unknown, missing or mistyped attributes, mixed element types")
    func operators() {
        #expect(Self.refusal([Self.node("Frobnicate", ["x"])])?.contains("not an operator PlateShell emits") == true)
        #expect(
            Self.refusal([Self.node("Add", ["x", "x"], domain: "ai.onnx.ml")])?.contains(
                "not an operator PlateShell emits in domain 'ai.onnx.ml'") == true)
        #expect(Self.refusal([Self.node("Add", ["x"])])?.contains("takes 2...2 inputs, has 1") == true)
        #expect(
            Self.refusal([Self.node("Concat", ["x", "x"])])?.contains("lacks the required attribute 'axis'") == true)
        #expect(
            Self.refusal([Self.node("Concat", ["x", "x"], attributes: [ONNXAttribute("axis", .string("1"))])])?
                .contains("attribute 'axis' must be int") == true)
        #expect(
            Self.refusal([Self.node("Softmax", ["x"], attributes: [ONNXAttribute("axes", .int(1))])])?.contains(
                "has no attribute 'axes'") == true)
        #expect(Self.refusal([Self.node("Add", ["x", "n"])])?.contains("mixes element types double, int64") == true)
        #expect(
            Self.refusal([Self.node("Cast", ["x"], attributes: [ONNXAttribute("to", .int(8))])])?.contains(
                "casts between numeric types only") == true)
    }

    /// A tree ensemble of one stump (node 0 splits feature 0 at 0.5 into leaves 1 and 2), with `changes` applied.
    static func stump(_ changes: [String: ONNXAttribute.Value] = [:]) -> ONNXNode {
        var attributes: [String: ONNXAttribute.Value] = [
            "nodes_treeids": .ints([0, 0, 0]), "nodes_nodeids": .ints([0, 1, 2]), "nodes_featureids": .ints([0, 0, 0]),
            "nodes_modes": .strings(["BRANCH_LEQ", "LEAF", "LEAF"]), "nodes_truenodeids": .ints([1, 0, 0]),
            "nodes_falsenodeids": .ints([2, 0, 0]),
            "nodes_values_as_tensor": .tensor(ONNXTensor(name: "", dims: [3], .doubles([0.5, 0, 0]))),
            "class_treeids": .ints([0, 0]), "class_nodeids": .ints([1, 2]), "class_ids": .ints([0, 1]),
            "class_weights_as_tensor": .tensor(ONNXTensor(name: "", dims: [2], .doubles([1, 1]))),
            "classlabels_strings": .strings(["a", "b"]),
        ]
        attributes.merge(changes) { $1 }
        return node(
            "TreeEnsembleClassifier", ["x"], outputs: ["label", "scores"], domain: "ai.onnx.ml",
            attributes: attributes.sorted { $0.key < $1.key }.map { ONNXAttribute($0.key, $0.value) })
    }

    @Test("tree ensembles: arrays agree, branches reach nodes of their tree, weights sit on leaves and name classes")
    func treeEnsembles() {
        let label = ONNXValueInfo(name: "label", elementType: .string, shape: [nil])
        #expect(Self.refusal([Self.stump()], output: label) == nil)
        #expect(
            Self.refusal([Self.stump()], output: ONNXValueInfo(name: "scores", elementType: .double, shape: [nil, 2]))?
                .contains("graph output 'scores' is declared double but is float") == true)
        #expect(
            Self.refusal([Self.stump(["nodes_featureids": .ints([0, 0])])], output: label)?.contains(
                "nodes_featureids has 2 entries for 3 nodes") == true)
        #expect(
            Self.refusal([Self.stump(["nodes_falsenodeids": .ints([7, 0, 0])])], output: label)?
                .contains("node 0/0 branches to node 7, which tree 0 lacks") == true)
        #expect(
            Self.refusal([Self.stump(["class_nodeids": .ints([0, 2])])], output: label)?.contains(
                "sits on 0/0, which is not a leaf") == true)
        #expect(
            Self.refusal([Self.stump(["class_ids": .ints([0, 2])])], output: label)?.contains("names class 2 of 2")
                == true)
        #expect(
            Self.refusal([Self.stump(["nodes_modes": .strings(["BRANCH_XX", "LEAF", "LEAF"])])], output: label)?
                .contains("unknown node mode 'BRANCH_XX'") == true)
        #expect(
            Self.refusal(
                [Self.stump(["base_values_as_tensor": .tensor(ONNXTensor(name: "", dims: [1], .doubles([0])))])],
                output: label)?
                .contains("base_values_as_tensor must hold one double per class (2)") == true)
    }
}
