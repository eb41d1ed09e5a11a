/// A binary decision tree stored as flat parallel arrays, one entry per node (node 0 is the root):
/// the predictor, the JSON model artifact and TreeSHAP all read this one structure (docs/STYLE.md §7).
///
/// - `left[i]`, `right[i]`: the children of node i, or -1 when i is a leaf;
/// - `feature[i]`: the feature a split tests (-1 for a leaf);
/// - `threshold[i]`: rows with `x[feature] <= threshold` go left;
/// - `value[i * outputs ..< (i + 1) * outputs]`: the node's output — class fractions for a
///   classification tree, one raw score for a boosting tree — kept for inner nodes too;
/// - `cover[i]`: the weighted number of training rows that reached the node.
public struct Tree: Sendable, Equatable, Codable {
    public private(set) var left: [Int32] = []
    public private(set) var right: [Int32] = []
    public private(set) var feature: [Int32] = []
    public private(set) var threshold: [Double] = []
    public private(set) var value: [Double] = []
    public private(set) var cover: [Double] = []
    /// Values per node.
    public let outputs: Int

    public init(outputs: Int) { self.outputs = outputs }

    /// A tree from its node arrays (as an artifact stores them).
    init(
        left: [Int32], right: [Int32], feature: [Int32], threshold: [Double], value: [Double], cover: [Double],
        outputs: Int
    ) {
        (self.left, self.right, self.feature) = (left, right, feature)
        (self.threshold, self.value, self.cover) = (threshold, value, cover)
        self.outputs = outputs
    }

    public var nodeCount: Int { left.count }

    public func isLeaf(_ node: Int) -> Bool { left[node] < 0 }

    /// Adds a leaf and returns its index.
    @discardableResult
    mutating func addNode(value nodeValue: [Double], cover nodeCover: Double) -> Int {
        precondition(nodeValue.count == outputs)
        left.append(-1)
        right.append(-1)
        feature.append(-1)
        threshold.append(0)
        value.append(contentsOf: nodeValue)
        cover.append(nodeCover)
        return left.count - 1
    }

    /// Turns leaf `node` into a split with the given children.
    mutating func split(
        _ node: Int, feature splitFeature: Int, threshold splitThreshold: Double, left leftChild: Int,
        right rightChild: Int
    ) {
        feature[node] = Int32(splitFeature)
        threshold[node] = splitThreshold
        left[node] = Int32(leftChild)
        right[node] = Int32(rightChild)
    }

    /// Sets a node's weighted row count.
    mutating func setCover(_ node: Int, _ weight: Double) { cover[node] = weight }

    /// Sets a node's output values.
    mutating func setValue(_ node: Int, _ nodeValue: [Double]) {
        for k in 0..<outputs { value[node * outputs + k] = nodeValue[k] }
    }

    /// The leaf a row reaches.
    @inline(__always)
    public func leaf(_ x: Matrix, row: Int) -> Int {
        var node = 0
        let base = row * x.columns
        while left[node] >= 0 {
            node = x.values[base + Int(feature[node])] <= threshold[node] ? Int(left[node]) : Int(right[node])
        }
        return node
    }

    /// The most distinct features any root-to-leaf path splits on (at most `depth`).
    public var maxDistinctFeaturesOnPath: Int {
        var largest = 0
        var stack: [(node: Int, features: Set<Int32>)] = [(0, [])]
        while let (node, features) = stack.popLast() {
            if left[node] < 0 {
                largest = max(largest, features.count)
                continue
            }
            let next = features.union([feature[node]])
            stack.append((Int(left[node]), next))
            stack.append((Int(right[node]), next))
        }
        return largest
    }

    enum CodingKeys: String, CodingKey {
        case left, right, feature, threshold, value, cover, outputs
    }

    /// Decodes the node arrays; inside `TreeJSON.decode`, the tree a placeholder names.
    public init(from decoder: any Decoder) throws {
        if let splice = decoder.userInfo[TreeJSON.userInfoKey] as? TreeJSON,
            let text = try? decoder.singleValueContainer().decode(String.self), let tree = splice.tree(named: text)
        {
            self = tree
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            left: try container.decode([Int32].self, forKey: .left),
            right: try container.decode([Int32].self, forKey: .right),
            feature: try container.decode([Int32].self, forKey: .feature),
            threshold: try container.decode([Double].self, forKey: .threshold),
            value: try container.decode([Double].self, forKey: .value),
            cover: try container.decode([Double].self, forKey: .cover),
            outputs: try container.decode(Int.self, forKey: .outputs))
    }

    /// Encodes the node arrays; inside `TreeJSON.encode`, a placeholder that `TreeJSON` replaces
    /// with the same JSON written by hand.
    public func encode(to encoder: any Encoder) throws {
        if let splice = encoder.userInfo[TreeJSON.userInfoKey] as? TreeJSON, let text = splice.placeholder(for: self) {
            var container = encoder.singleValueContainer()
            try container.encode(text)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(left, forKey: .left)
        try container.encode(right, forKey: .right)
        try container.encode(feature, forKey: .feature)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(value, forKey: .value)
        try container.encode(cover, forKey: .cover)
        try container.encode(outputs, forKey: .outputs)
    }

    /// The depth of the deepest leaf.
    public var depth: Int {
        var deepest = 0
        var stack = [(0, 0)]
        while let (node, level) = stack.popLast() {
            deepest = max(deepest, level)
            if left[node] >= 0 { stack += [(Int(left[node]), level + 1), (Int(right[node]), level + 1)] }
        }
        return deepest
    }
}
