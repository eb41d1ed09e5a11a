import Foundation
import Testing

@testable import Engine
@testable import MLCore
@testable import ONNX

/// The ONNX encoding against bytes from Python's onnx 1.23 (`SerializeToString()` of the same
/// messages built with `onnx.helper`), so the hand-written writer is checked against the
/// reference serializer, not against itself.
@Suite("Protobuf encoding of ONNX messages")
struct ProtobufEncodingTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test("varints: one byte under 128, seven bits per byte above, ten bytes for a negative int64")
    func varints() {
        var writer = ProtobufWriter()
        writer.int64(1, 8)
        writer.int64(2, 300)
        writer.int64(3, -1)
        #expect(Self.hex(writer.bytes) == "0808" + "10ac02" + "18ffffffffffffffffff01")
    }

    @Test("a model with one Add node, a double initializer and symbolic batch dimensions, byte for byte")
    func model() throws {
        // helper.make_model(make_graph([make_node("Add", ["x", "c"], ["y"], name="Add_1")], "g",
        //   [make_tensor_value_info("x", DOUBLE, ["N", 2])], [make_tensor_value_info("y", DOUBLE, ["N", 2])],
        //   initializer=[numpy_helper.from_array(np.array([1.5, -2.0]), name="c")]),
        //   producer_name="plateshell", producer_version="test", opset_imports=[make_opsetid("", 17)], ir_version=8)
        let expected =
            "0808120a706c6174657368656c6c1a04746573743a610a150a01780a01631201791a054164645f3122034164641201672a19"
            + "0802100b4201634a10000000000000f83f00000000000000c05a140a0178120f0a0d080b12090a0312014e0a02080262140a0179120f0a0d"
            + "080b12090a0312014e0a02080242040a001011"
        let graph = ONNXGraph(
            name: "g",
            nodes: [
                ONNXNode(opType: "Add", domain: "", name: "Add_1", inputs: ["x", "c"], outputs: ["y"], attributes: [])
            ],
            initializers: [ONNXTensor(name: "c", dims: [2], .doubles([1.5, -2]))],
            inputs: [ONNXValueInfo(name: "x", elementType: .double, shape: [nil, 2])],
            outputs: [ONNXValueInfo(name: "y", elementType: .double, shape: [nil, 2])])
        #expect(Self.hex(Array(try ONNXModel(graph: graph, producerVersion: "test").serialized())) == expected)
    }

    @Test(
        "attributes: ints unpacked (negative ones in ten bytes), strings, a double tensor as raw data; each with its type"
    )
    func attributes() {
        func encoded(_ attribute: ONNXAttribute) -> String {
            var writer = ProtobufWriter()
            attribute.encode(into: &writer)
            return Self.hex(writer.bytes)
        }
        #expect(
            encoded(ONNXAttribute("ints", .ints([1, -1, 300]))) == "0a04696e7473400140ffffffffffffffffff0140ac02a00107")
        #expect(
            encoded(ONNXAttribute("modes", .strings(["LEAF", "BRANCH_LEQ"])))
                == "0a056d6f6465734a044c4541464a0a4252414e43485f4c4551a00108")
        #expect(
            encoded(ONNXAttribute("w", .tensor(ONNXTensor(name: "", dims: [2], .doubles([0.5, -1.25])))))
                == "0a01772a160802100b4a10000000000000e03f000000000000f4bfa00104")
    }

    @Test("a string tensor keeps its values in string_data, before its name")
    func stringTensor() {
        var writer = ProtobufWriter()
        ONNXTensor(name: "classes", dims: [2], .strings(["Bumps", "K_Scatch"])).encode(into: &writer)
        #expect(Self.hex(writer.bytes) == "08021008320542756d707332084b5f5363617463684207636c6173736573")
    }
}
