import Foundation
import Testing

@testable import Engine
@testable import MLCore

@Suite("Trees written as JSON by hand")
struct TreeJSONTests {
    /// Doubles of every form `description` has: integers small and past 2^53, negative zero,
    /// subnormals, exponents both ways, and shortest round-trip fractions.
    static let awkward: [Double] = [
        0, -0.0, 1, -1, 688, 0.1, -0.3242650135336076, 1e-5, 1.5e-7, 0x1p-1074, 2.2250738585072014e-308, 1e15, 1e16,
        123_456_789_012_345_680, 9_007_199_254_740_992, 1.7976931348623157e308, -2.5e-300, 3.0e21, 0.30000000000000004,
    ]

    static func randomTree(outputs: Int, seed: UInt64) -> Tree {
        var random = SeededRandom(seed: seed)
        func number() -> Double {
            random.nextUnit() < 0.3
                ? awkward[Int(random.nextUnit() * Double(awkward.count))]
                : (random.nextUnit() - 0.5) * pow(10, (random.nextUnit() - 0.5) * 40)
        }
        var tree = Tree(outputs: outputs)
        tree.addNode(value: (0..<outputs).map { _ in number() }, cover: number())
        var leaves = [0]
        while leaves.count < 12 {
            let node = leaves.removeFirst()
            let left = tree.addNode(value: (0..<outputs).map { _ in number() }, cover: number())
            let right = tree.addNode(value: (0..<outputs).map { _ in number() }, cover: number())
            tree.split(node, feature: Int(random.nextUnit() * 30), threshold: number(), left: left, right: right)
            leaves += [left, right]
        }
        return tree
    }

    static var sortedEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    @Test("trees written by hand are JSONEncoder's bytes, inside any document, and decode back equal")
    func sameBytes() throws {
        struct Document: Codable, Equatable {
            let names: [String]
            let trees: [Tree]
            let nested: [String: [Tree]]
        }
        for seed in UInt64(1)...40 {
            let document = Document(
                // A name that looks like a placeholder (without the nonce) stays text.
                names: ["\u{1}tree-0-0", "plain", "Ünï\u{1}"],
                trees: (0..<5).map { Self.randomTree(outputs: 1 + Int($0 % 3), seed: seed * 10 + $0) },
                nested: ["b": [Self.randomTree(outputs: 2, seed: seed)], "a": []])
            let fast = try TreeJSON.encode(document, with: Self.sortedEncoder)
            #expect(fast == (try Self.sortedEncoder.encode(document)))
            #expect(try JSONDecoder().decode(Document.self, from: fast) == document)
            #expect(try TreeJSON.decode(Document.self, from: fast, with: JSONDecoder()) == document)
        }
    }

    @Test("trees read by hand are JSONDecoder's values; other forms of the document are read by JSONDecoder")
    func reading() throws {
        struct Document: Codable, Equatable {
            let name: String
            let trees: [Tree]
        }
        let document = Document(
            name: "{\"cover\":[1]}", trees: (0..<4).map { Self.randomTree(outputs: 2, seed: 100 + $0) })
        let compact = try Self.sortedEncoder.encode(document)
        #expect(try TreeJSON.decode(Document.self, from: compact, with: JSONDecoder()) == document)
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted]
        let other = try pretty.encode(document)
        #expect(try TreeJSON.decode(Document.self, from: other, with: JSONDecoder()) == document)
        // A tree the hand reader cannot take (a number JSON does not allow) is JSONDecoder's to refuse.
        let text = String(decoding: compact, as: UTF8.self)
        let damaged = Data(text.replacingOccurrences(of: "\"outputs\":2", with: "\"outputs\":0x2").utf8)
        #expect(throws: DecodingError.self) { try TreeJSON.decode(Document.self, from: damaged, with: JSONDecoder()) }
    }

    @Test("a tree with a non-finite number is refused as JSONEncoder refuses it")
    func nonFinite() {
        var tree = Self.randomTree(outputs: 1, seed: 7)
        tree.setCover(3, .nan)
        #expect(throws: EncodingError.self) { try TreeJSON.encode([tree], with: Self.sortedEncoder) }
    }
}
