import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("TreeSHAP and the other explainers")
struct TreeSHAPTests {
    /// A random tree over `features` features with consistent covers and `outputs` values per node.
    static func randomTree(_ random: inout SeededRandom, features: Int, depth: Int, outputs: Int) -> Tree {
        var tree = Tree(outputs: outputs)
        func values() -> [Double] { (0..<outputs).map { _ in random.nextUnit() * 2 - 1 } }
        let root = tree.addNode(value: values(), cover: 100 + Double(random.next() % 100))
        var stack = [(root, 0)]
        while let (node, level) = stack.popLast() {
            guard level < depth, random.nextUnit() < 0.85 else { continue }
            let cover = tree.cover[node]
            let share = 0.1 + 0.8 * random.nextUnit()
            let left = tree.addNode(value: values(), cover: cover * share)
            let right = tree.addNode(value: values(), cover: cover * (1 - share))
            tree.split(
                node, feature: Int(random.next() % UInt64(features)), threshold: random.nextUnit(), left: left,
                right: right)
            stack += [(left, level + 1), (right, level + 1)]
        }
        return tree
    }

    /// E[f(x) | x_S], the path-dependent expectation: features in S follow x, the others average
    /// their subtrees by cover.
    static func conditionalExpectation(_ tree: Tree, _ x: [Double], present: Set<Int>, node: Int = 0, output: Int)
        -> Double
    {
        if tree.isLeaf(node) { return tree.value[node * tree.outputs + output] }
        let left = Int(tree.left[node])
        let right = Int(tree.right[node])
        let feature = Int(tree.feature[node])
        if present.contains(feature) {
            return conditionalExpectation(
                tree, x, present: present, node: x[feature] <= tree.threshold[node] ? left : right, output: output)
        }
        return
            (tree.cover[left] * conditionalExpectation(tree, x, present: present, node: left, output: output)
            + tree.cover[right] * conditionalExpectation(tree, x, present: present, node: right, output: output))
            / tree.cover[node]
    }

    /// Shapley values by enumerating every subset of features.
    static func bruteForce(_ tree: Tree, _ x: [Double], features n: Int, output: Int) -> [Double] {
        func factorial(_ k: Int) -> Double { k <= 1 ? 1 : Double(k) * factorial(k - 1) }
        return (0..<n).map { i in
            var phi = 0.0
            let others = (0..<n).filter { $0 != i }
            for mask in 0..<(1 << others.count) {
                let subset = Set(others.indices.filter { mask & (1 << $0) != 0 }.map { others[$0] })
                let weight = factorial(subset.count) * factorial(n - subset.count - 1) / factorial(n)
                phi +=
                    weight
                    * (conditionalExpectation(tree, x, present: subset.union([i]), output: output)
                        - conditionalExpectation(tree, x, present: subset, output: output))
            }
            return phi
        }
    }

    @Test("TreeSHAP equals brute-force Shapley values on random small trees (to 1e-9)")
    func matchesBruteForce() {
        var random = SeededRandom(seed: 11)
        for trial in 0..<200 {
            let features = 2 + trial % 5
            let tree = Self.randomTree(&random, features: features, depth: 1 + trial % 5, outputs: 2)
            let x = (0..<features).map { _ in random.nextUnit() }
            var phi = [Double](repeating: 0, count: features * 2)
            var workspace = TreeSHAP.workspace(depth: tree.depth)
            x.withUnsafeBufferPointer { row in
                phi.withUnsafeMutableBufferPointer {
                    TreeSHAP.accumulate(
                        tree, row: row.baseAddress!, phi: $0.baseAddress!, outputs: 2, workspace: &workspace)
                }
            }
            for output in 0..<2 {
                let exact = Self.bruteForce(tree, x, features: features, output: output)
                for f in 0..<features {
                    #expect(abs(phi[f * 2 + output] - exact[f]) < 1e-9, "trial \(trial) feature \(f)")
                }
                let expected = TreeSHAP.expectedValue(tree)[output]
                let total = expected + (0..<features).reduce(0) { $0 + phi[$1 * 2 + output] }
                #expect(
                    abs(total - Self.conditionalExpectation(tree, x, present: Set(0..<features), output: output)) < 1e-9
                )
            }
        }
    }

    @Test("the quadrature form equals the paper's algorithm on random trees, and quadrature is exact")
    func quadratureMatchesReference() {
        let (nodes, weights) = QuadratureTreeSHAP.gaussLegendre(5)
        #expect(
            abs(QuadratureTreeSHAP.tables[5].weights.map { $0.sum() }.reduce(0, +) - 1) < 1e-14,
            "the padded weights still sum to 1")
        for degree in 0...9 {
            let integral = zip(nodes, weights).reduce(0.0) { $0 + $1.1 * pow($1.0, Double(degree)) }
            #expect(abs(integral - 1 / Double(degree + 1)) < 1e-14, "∫ y^\(degree)")
        }
        var random = SeededRandom(seed: 23)
        for trial in 0..<300 {
            let features = 2 + trial % 9
            let tree = Self.randomTree(&random, features: features, depth: 1 + trial % 12, outputs: 3)
            let x = (0..<features).map { _ in random.nextUnit() }
            var reference = [Double](repeating: 0, count: features * 3)
            var fast = reference
            var workspace = TreeSHAP.workspace(depth: tree.depth)
            let points = QuadratureTreeSHAP.pointCount(depth: tree.depth, features: features)
            var quadrature = QuadratureTreeSHAP.Workspace(features: features, depth: tree.depth, points: points)
            defer { quadrature.deallocate() }
            x.withUnsafeBufferPointer { row in
                reference.withUnsafeMutableBufferPointer {
                    TreeSHAP.accumulate(
                        tree, row: row.baseAddress!, phi: $0.baseAddress!, outputs: 3, workspace: &workspace)
                }
                fast.withUnsafeMutableBufferPointer {
                    QuadratureTreeSHAP.accumulate(
                        tree, points: points, row: row.baseAddress!, phi: $0.baseAddress!, outputs: 3,
                        outputOffset: 0, scale: 1, workspace: &quadrature)
                }
            }
            for i in reference.indices { #expect(abs(reference[i] - fast[i]) < 1e-10, "trial \(trial) value \(i)") }
        }
    }

    @Test("leaf-pattern tables, and leaves computed per row, equal the paper's algorithm on random trees")
    func leafPatternsMatchReference() throws {
        var random = SeededRandom(seed: 29)
        for trial in 0..<300 {
            let features = 2 + trial % 9
            let tree = Self.randomTree(&random, features: features, depth: 1 + trial % 12, outputs: 3)
            guard tree.nodeCount > 1 else { continue }
            let x = (0..<features).map { _ in random.nextUnit() }
            let points = QuadratureTreeSHAP.pointCount(depth: tree.depth, features: features)
            let tabled = try #require(LeafPatternTable(tree, points: points, rows: 1 << 20, budget: .max))
            let computed = try #require(
                LeafPatternTable(tree, points: points, rows: 1, budget: 0, computedShare: 1))
            defer {
                tabled.deallocate()
                computed.deallocate()
            }
            var reference = [Double](repeating: 0, count: features * 3)
            var fromTables = reference
            var fromRows = reference
            var workspace = TreeSHAP.workspace(depth: tree.depth)
            var scratch = LeafPatternTable.Scratch(depth: tree.depth)
            defer { scratch.deallocate() }
            x.withUnsafeBufferPointer { row in
                reference.withUnsafeMutableBufferPointer {
                    TreeSHAP.accumulate(
                        tree, row: row.baseAddress!, phi: $0.baseAddress!, outputs: 3, workspace: &workspace)
                }
                for (table, phi) in [(tabled, 0), (computed, 1)] {
                    let fill = { (out: UnsafeMutablePointer<Double>) in
                        table.accumulate(
                            row: row.baseAddress!, phi: out, outputs: 3, outputOffset: 0, scale: 1, scratch: &scratch)
                    }
                    if phi == 0 {
                        fromTables.withUnsafeMutableBufferPointer { fill($0.baseAddress!) }
                    } else {
                        fromRows.withUnsafeMutableBufferPointer { fill($0.baseAddress!) }
                    }
                }
            }
            for i in reference.indices {
                #expect(abs(reference[i] - fromTables[i]) < 1e-10, "trial \(trial) value \(i), tabled")
                #expect(abs(reference[i] - fromRows[i]) < 1e-10, "trial \(trial) value \(i), computed")
            }
        }
    }

    @Test(
        "additivity holds on every row for every fitted tree ensemble on the real data",
        arguments: ["dt", "rf", "et", "gbm", "ada"])
    func additivity(_ name: String) throws {
        let data = EstimatorConformanceTests.data.first
        let kind = try ModelCatalog.kind(name)
        let pipeline = try FittedPipeline.fit(
            kind: kind, settings: try kind.settings(name == "gbm" ? ["n_estimators": "30"] : [:]),
            plan: PreprocessingPlan(scale: true), dataset: data, frameSteps: [], target: "Label",
            seed: 42, threads: 2)
        var options = Explainer.Options(background: data.x)
        options.threads = 2
        let explanation = try Explainer.explain(
            pipeline, rows: EstimatorConformanceTests.data.second.x, options: options)
        #expect(explanation.method == "exact path-dependent TreeSHAP")
        #expect(explanation.additivityError < 1e-9, "\(explanation.additivityError)")
    }

    @Test("linear SHAP is exact through scaling and PCA")
    func linear() throws {
        let data = EstimatorConformanceTests.data.first
        let pipeline = try FittedPipeline.fit(
            kind: try ModelCatalog.kind("lr"), settings: try ModelCatalog.kind("lr").settings([:]),
            plan: PreprocessingPlan(scale: true, pca: .components(10)), dataset: data, frameSteps: [],
            target: "Label", seed: 42)
        let explanation = try Explainer.explain(
            pipeline, rows: data.x.selecting(rows: Array(0..<50)), options: Explainer.Options(background: data.x))
        #expect(explanation.method.hasPrefix("exact linear SHAP"))
        #expect(
            explanation.isAdditive, "\(explanation.additivityError) against terms of \(explanation.additivityScale)")
        #expect(explanation.additivityError < 1e-9 * max(1, explanation.additivityScale))
    }

    /// The interventional SHAP value of feature j, from the pipeline's own scores alone: the mean over
    /// the background rows b of f(b with b_j set to x_j) − f(b). Exact for a model without
    /// interactions, which a linear pipeline is.
    static func interventionalOracle(
        _ pipeline: FittedPipeline, row x: [Double], background: Matrix, feature j: Int, output: Int
    ) throws -> Double {
        var probes = Matrix(rows: 2 * background.rows, columns: background.columns)
        for b in 0..<background.rows {
            for f in 0..<background.columns {
                probes[2 * b, f] = background[b, f]
                probes[2 * b + 1, f] = f == j ? x[j] : background[b, f]
            }
        }
        let scores = try Explainer.explain(pipeline, rows: probes, options: Explainer.Options(background: background))
            .outputs
        return (0..<background.rows).reduce(0.0) { $0 + scores[2 * $1 + 1, output] - scores[2 * $1, output] }
            / Double(background.rows)
    }

    @Test("linear SHAP values are the interventional values the pipeline's own scores give", arguments: ["lr", "lda"])
    func linearAgainstOracle(_ name: String) throws {
        let data = EstimatorConformanceTests.data.first
        let kind = try ModelCatalog.kind(name)
        let pipeline = try FittedPipeline.fit(
            kind: kind, settings: try kind.settings([:]), plan: PreprocessingPlan(scale: true, pca: .components(10)),
            dataset: data, frameSteps: [], target: "Label", seed: 42)
        let background = data.x.selecting(rows: Array(0..<40))
        let rows = data.x.selecting(rows: Array(100..<104))
        let explanation = try Explainer.explain(
            pipeline, rows: rows, options: Explainer.Options(background: background))
        let largest = explanation.values.map(abs).max() ?? 0
        for r in 0..<rows.rows {
            for j in 0..<rows.columns {
                for c in pipeline.classes.indices {
                    let oracle = try Self.interventionalOracle(
                        pipeline, row: rows.row(r), background: background, feature: j, output: c)
                    let ours = explanation.value(row: r, feature: j, output: c)
                    #expect(abs(ours - oracle) <= 1e-9 * max(1, largest), "row \(r) feature \(j) class \(c)")
                }
            }
        }
    }

    @Test("permutation SHAP gives the same values and errors on 1, 2 and 8 threads for one seed")
    func samplingIgnoresThreadCount() throws {
        let data = EstimatorConformanceTests.data.first
        let kind = try ModelCatalog.kind("knn")
        let pipeline = try FittedPipeline.fit(
            kind: kind, settings: try kind.settings([:]), plan: PreprocessingPlan(scale: true),
            dataset: data, frameSteps: [], target: "Label", seed: 42)
        func explained(threads: Int) throws -> Explanation {
            var options = Explainer.Options(background: data.x.selecting(rows: Array(0..<40)))
            options.permutations = 16
            options.threads = threads
            return try Explainer.explain(pipeline, rows: data.x.selecting(rows: Array(0..<20)), options: options)
        }
        let one = try explained(threads: 1)
        #expect(one.method.hasPrefix(Explainer.Method.sampling.description))
        for threads in [2, 8] {
            let other = try explained(threads: threads)
            #expect(other.values == one.values, "\(threads) threads")
            #expect(other.standardErrors == one.standardErrors, "\(threads) threads")
        }
    }

    @Test("permutation SHAP adds up exactly and lands within its stated error of the exact values")
    func sampling() throws {
        var random = SeededRandom(seed: 5)
        let tree = Self.randomTree(&random, features: 4, depth: 4, outputs: 2)
        let background = Matrix(rows: 1, columns: 4, values: (0..<4).map { _ in random.nextUnit() })
        let pipeline = FittedPipeline(
            formatVersion: FittedPipeline.formatVersion, kind: "dt", settings: ModelSettings([:]),
            plan: PreprocessingPlan(), target: "Label", features: ["a", "b", "c", "d"], classes: ["P", "Q"],
            frameSteps: [], preprocessing: FittedPreprocessing(scaler: nil, pca: nil),
            model: .forest(Forest(trees: [tree], classCount: 2)))
        let x = Matrix(rows: 1, columns: 4, values: (0..<4).map { _ in random.nextUnit() })
        var options = Explainer.Options(background: background)
        options.permutations = 400
        let sampled = try PermutationSHAP.explain(pipeline, rows: x, options: options)
        #expect(sampled.additivityError < 1e-12)
        // With one background row b, the interventional value function is v(S) = f(x_S, b_rest): enumerable.
        func f(_ present: Set<Int>) -> Double {
            let row = Matrix(
                rows: 1, columns: 4, values: (0..<4).map { present.contains($0) ? x[0, $0] : background[0, $0] })
            return pipeline.probabilities(row)[0, 0]
        }
        func factorial(_ k: Int) -> Double { k <= 1 ? 1 : Double(k) * factorial(k - 1) }
        for i in 0..<4 {
            var exact = 0.0
            let others = (0..<4).filter { $0 != i }
            for mask in 0..<8 {
                let subset = Set(others.indices.filter { mask & (1 << $0) != 0 }.map { others[$0] })
                exact +=
                    factorial(subset.count) * factorial(3 - subset.count) / factorial(4)
                    * (f(subset.union([i])) - f(subset))
            }
            let error = sampled.standardErrors![i * 2]
            #expect(abs(sampled.value(row: 0, feature: i, output: 0) - exact) <= 4 * error + 1e-12, "feature \(i)")
        }
    }
}
