import Foundation
import MLCore

/// An ONNX model as PlateShell writes it: the parts of `onnx.proto` (ModelProto, GraphProto,
/// NodeProto, AttributeProto, TensorProto, ValueInfoProto) that its graphs use, and their
/// protobuf encoding (field numbers from onnx.proto, IR version 8).
///
/// `serialized()` refuses a model that `ONNXValidator` finds broken, so no file that
/// `onnx.checker` would reject is ever written.
public struct ONNXModel: Sendable, Equatable {
    /// IR version 8 (onnx 1.10–1.12): the version that carries opset 17 and ai.onnx.ml opset 3.
    public static let irVersion: Int64 = 8
    /// The standard operator set PlateShell's graphs use.
    public static let opset: Int64 = 17
    /// The ai.onnx.ml operator set: 3 is the first with double-precision tree attributes.
    public static let mlOpset: Int64 = 3
    public static let mlDomain = "ai.onnx.ml"

    public var graph: ONNXGraph
    public var producerVersion: String

    public init(graph: ONNXGraph, producerVersion: String) {
        self.graph = graph
        self.producerVersion = producerVersion
    }

    /// The operator sets imported: the standard one, and ai.onnx.ml when a node uses it.
    public var opsetImports: [(domain: String, version: Int64)] {
        [("", Self.opset)]
            + (graph.nodes.contains { $0.domain == Self.mlDomain } ? [(Self.mlDomain, Self.mlOpset)] : [])
    }

    /// The `.onnx` file's bytes.
    ///
    /// - Throws: `EngineError.invalidData` listing what `ONNXValidator` found wrong; nothing is
    ///   encoded then.
    public func serialized() throws -> Data {
        try ONNXValidator.check(self)
        var writer = ProtobufWriter()
        writer.int64(1, Self.irVersion)
        writer.string(2, "plateshell")
        writer.string(3, producerVersion)
        writer.message(7) { graph.encode(into: &$0) }
        for (domain, version) in opsetImports {
            writer.message(8) {
                $0.string(1, domain)
                $0.int64(2, version)
            }
        }
        return Data(writer.bytes)
    }
}

/// A graph: nodes in topological order, constant tensors, and typed inputs and outputs.
public struct ONNXGraph: Sendable, Equatable {
    public var name: String
    public var nodes: [ONNXNode]
    public var initializers: [ONNXTensor]
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]

    func encode(into writer: inout ProtobufWriter) {
        for node in nodes { writer.message(1) { node.encode(into: &$0) } }
        writer.string(2, name)
        for tensor in initializers { writer.message(5) { tensor.encode(into: &$0) } }
        for input in inputs { writer.message(11) { input.encode(into: &$0) } }
        for output in outputs { writer.message(12) { output.encode(into: &$0) } }
    }
}

/// One operator application: `outputs = opType(inputs; attributes)`.
public struct ONNXNode: Sendable, Equatable {
    public var opType: String
    /// "" for the standard operators, `ai.onnx.ml` for the traditional-ML ones.
    public var domain: String
    public var name: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute]

    func encode(into writer: inout ProtobufWriter) {
        for input in inputs { writer.string(1, input) }
        for output in outputs { writer.string(2, output) }
        writer.string(3, name)
        writer.string(4, opType)
        for attribute in attributes { writer.message(5) { attribute.encode(into: &$0) } }
        if !domain.isEmpty { writer.string(7, domain) }
    }

    /// The attribute named `name`, if the node has it.
    func attribute(_ name: String) -> ONNXAttribute? { attributes.first { $0.name == name } }
}

/// A named attribute value of a node.
public struct ONNXAttribute: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case int(Int64)
        case string(String)
        case tensor(ONNXTensor)
        case ints([Int64])
        case strings([String])

        /// AttributeProto.AttributeType.
        var typeCode: Int64 {
            switch self {
            case .int: 2
            case .string: 3
            case .tensor: 4
            case .ints: 7
            case .strings: 8
            }
        }
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }

    func encode(into writer: inout ProtobufWriter) {
        writer.string(1, name)
        switch value {
        case .int(let i): writer.int64(3, i)
        case .string(let s): writer.string(4, s)
        case .tensor(let t): writer.message(5) { t.encode(into: &$0) }
        case .ints(let values): for i in values { writer.int64(8, i) }
        case .strings(let values): for s in values { writer.string(9, s) }
        }
        writer.int64(20, value.typeCode)
    }
}

/// The element types PlateShell's tensors use (TensorProto.DataType).
public enum ONNXElementType: Int64, Sendable, Equatable, CustomStringConvertible {
    case float = 1
    case int64 = 7
    case string = 8
    case double = 11

    public var description: String {
        switch self {
        case .float: "float"
        case .int64: "int64"
        case .string: "string"
        case .double: "double"
        }
    }
}

/// A constant tensor: doubles and int64s as little-endian `raw_data`, strings as `string_data`.
public struct ONNXTensor: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
        case doubles([Double])
        case int64s([Int64])
        case strings([String])
    }

    public var name: String
    public var dims: [Int64]
    public var values: Values

    public init(name: String, dims: [Int64], _ values: Values) {
        self.name = name
        self.dims = dims
        self.values = values
    }

    public var elementType: ONNXElementType {
        switch values {
        case .doubles: .double
        case .int64s: .int64
        case .strings: .string
        }
    }

    var count: Int {
        switch values {
        case .doubles(let v): v.count
        case .int64s(let v): v.count
        case .strings(let v): v.count
        }
    }

    func encode(into writer: inout ProtobufWriter) {
        for dim in dims { writer.int64(1, dim) }
        writer.int64(2, elementType.rawValue)
        if case .strings(let strings) = values {
            for s in strings { writer.string(6, s) }
        }
        if !name.isEmpty { writer.string(8, name) }
        switch values {
        case .doubles(let v): writer.bytes(9, v.flatMap { Self.littleEndian($0.bitPattern) })
        case .int64s(let v): writer.bytes(9, v.flatMap { Self.littleEndian(UInt64(bitPattern: $0)) })
        case .strings: break
        }
    }

    private static func littleEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

/// A graph input or output: its name, element type and shape (`nil` dimensions are the batch,
/// written as the symbolic dimension "N").
public struct ONNXValueInfo: Sendable, Equatable {
    public var name: String
    public var elementType: ONNXElementType
    public var shape: [Int64?]

    public init(name: String, elementType: ONNXElementType, shape: [Int64?]) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }

    func encode(into writer: inout ProtobufWriter) {
        writer.string(1, name)
        writer.message(2) { type in
            type.message(1) { tensor in
                tensor.int64(1, elementType.rawValue)
                tensor.message(2) { shape in
                    for dim in self.shape {
                        shape.message(1) {
                            if let dim { $0.int64(1, dim) } else { $0.string(2, "N") }
                        }
                    }
                }
            }
        }
    }
}
