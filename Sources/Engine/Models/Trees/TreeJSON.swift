import Foundation

/// Writes a model artifact's trees as JSON bytes by hand, byte for byte what `JSONEncoder` with
/// sorted keys writes for them, about ten times faster: a 300-tree boosted model is 0.8 MB of
/// numbers, and `JSONEncoder` spent ~40 ms on each one autolog logged.
///
/// `JSONEncoder` still writes the rest of the artifact: while `TreeJSON.encode` runs, each tree
/// encodes as a placeholder string naming its index (see `Tree.encode(to:)`), and the trees'
/// own bytes replace the placeholders afterwards. A placeholder holds a random nonce and a
/// control character, so no text of the artifact (a feature or class name) can look like one.
final class TreeJSON: @unchecked Sendable {
    // One encode call uses one instance on one thread; `@unchecked Sendable` only because
    // `JSONEncoder.userInfo` takes Sendable values.
    static let userInfoKey = CodingUserInfoKey(rawValue: "plateshell.treeJSON")!

    private var trees: [Tree] = []
    private let nonce = String(UInt64.random(in: 1...UInt64.max), radix: 16)
    /// A placeholder's first bytes as JSONEncoder writes them (it escapes U+0001 as \u0001).
    private let marker: [UInt8]

    private init() { marker = Array("\"\\u0001tree-\(nonce)-".utf8) }

    /// `value` encoded by `encoder` (which must sort keys), its trees written by hand.
    static func encode<Value: Encodable>(_ value: Value, with encoder: JSONEncoder) throws -> Data {
        let splice = TreeJSON()
        encoder.userInfo[userInfoKey] = splice
        defer { encoder.userInfo[userInfoKey] = nil }
        return splice.fill(try encoder.encode(value))
    }

    /// The placeholder text a tree encodes as; nil for a tree `JSONEncoder` must write itself
    /// (one with a non-finite number, which it refuses with its own error).
    func placeholder(for tree: Tree) -> String? {
        guard tree.threshold.allSatisfy(\.isFinite), tree.value.allSatisfy(\.isFinite),
            tree.cover.allSatisfy(\.isFinite)
        else { return nil }
        trees.append(tree)
        return "\u{1}tree-\(nonce)-\(trees.count - 1)"
    }

    /// The skeleton with every placeholder replaced by its tree's JSON.
    private func fill(_ skeleton: Data) -> Data {
        guard !trees.isEmpty else { return skeleton }
        let bytes = [UInt8](skeleton)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + trees.reduce(0) { $0 + $1.nodeCount * (3 * 20 + 3 * 4 + $1.outputs * 20) })
        var index = 0
        while index < bytes.count {
            guard let start = firstMarker(in: bytes, from: index) else {
                out.append(contentsOf: bytes[index...])
                break
            }
            out.append(contentsOf: bytes[index..<start])
            var cursor = start + marker.count
            var tree = 0
            while bytes[cursor] != UInt8(ascii: "\"") {
                tree = tree * 10 + Int(bytes[cursor] - UInt8(ascii: "0"))
                cursor += 1
            }
            Self.append(trees[tree], to: &out)
            index = cursor + 1
        }
        return Data(out)
    }

    private func firstMarker(in bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + marker.count <= bytes.count {
            if bytes[index] == marker[0], bytes[index + 1] == marker[1],
                bytes[index..<index + marker.count].elementsEqual(marker)
            {
                return index
            }
            index += 1
        }
        return nil
    }

    /// A tree as `JSONEncoder` writes it with sorted keys.
    static func append(_ tree: Tree, to out: inout [UInt8]) {
        appendKey("cover", first: true, to: &out)
        appendNumbers(tree.cover, to: &out)
        appendKey("feature", to: &out)
        appendIntegers(tree.feature, to: &out)
        appendKey("left", to: &out)
        appendIntegers(tree.left, to: &out)
        appendKey("outputs", to: &out)
        out.append(contentsOf: String(tree.outputs).utf8)
        appendKey("right", to: &out)
        appendIntegers(tree.right, to: &out)
        appendKey("threshold", to: &out)
        appendNumbers(tree.threshold, to: &out)
        appendKey("value", to: &out)
        appendNumbers(tree.value, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    private static func appendKey(_ key: StaticString, first: Bool = false, to out: inout [UInt8]) {
        out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    private static func appendIntegers(_ values: [Int32], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if value == -1 {
                out.append(contentsOf: [UInt8(ascii: "-"), UInt8(ascii: "1")])
            } else {
                out.append(contentsOf: String(value).utf8)
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Finite doubles in their shortest round-trip form, without a trailing ".0" (JSONEncoder's form).
    private static func appendNumbers(_ values: [Double], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if value == 0 && value.sign == .plus {
                out.append(UInt8(ascii: "0"))
                continue
            }
            var text = value.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            out.append(contentsOf: text.utf8)
        }
        out.append(UInt8(ascii: "]"))
    }
}
