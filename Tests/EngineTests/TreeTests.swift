import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("Trees, binning and boosting components")
struct TreeTests {
    /// Two classes separated by feature 1 at 0.5; feature 0 is noise.
    static let separable: TrainingData = {
        var random = SeededRandom(seed: 3)
        var values = [Double]()
        var labels = [Int]()
        for i in 0..<200 {
            let x1 = Double(i) / 200
            values += [random.nextUnit(), x1]
            labels.append(x1 > 0.5 ? 1 : 0)
        }
        return TrainingData(x: Matrix(rows: 200, columns: 2, values: values), y: labels, classCount: 2, seed: 1)
    }()

    @Test("CART finds the separating split, with pure leaves and a midpoint threshold")
    func cart() throws {
        let columns = FeatureColumns(Self.separable.x)
        var random = SeededRandom(seed: 1)
        let tree = TreeGrower(
            columns: columns, y: Self.separable.y, weights: [Double](repeating: 1, count: 200), classCount: 2,
            settings: TreeSettings(maxFeatures: 2)
        ).grow(random: &random)
        #expect(tree.nodeCount == 3)
        #expect(tree.feature[0] == 1 && tree.threshold[0] == (0.5 + 0.505) / 2)
        #expect(tree.value[2..<4] == [1, 0] && tree.value[4..<6] == [0, 1])
        #expect(tree.cover[0] == 200)
    }

    @Test("max_depth, min_samples_leaf and weights of zero are respected")
    func limits() throws {
        let data = EstimatorConformanceTests.data.first
        let columns = FeatureColumns(data.x)
        var random = SeededRandom(seed: 1)
        let shallow = TreeGrower(
            columns: columns, y: data.y, weights: [Double](repeating: 1, count: data.rowCount), classCount: 3,
            settings: TreeSettings(maxDepth: 3, maxFeatures: 27)
        ).grow(random: &random)
        #expect(shallow.depth <= 3)
        let leafy = TreeGrower(
            columns: columns, y: data.y, weights: [Double](repeating: 1, count: data.rowCount), classCount: 3,
            settings: TreeSettings(minSamplesLeaf: 20, maxFeatures: 27)
        ).grow(random: &random)
        #expect((0..<leafy.nodeCount).filter { leafy.isLeaf($0) }.allSatisfy { leafy.cover[$0] >= 20 })
        let half = (0..<data.rowCount).map { $0 % 2 == 0 ? 1.0 : 0 }
        let bagged = TreeGrower(
            columns: columns, y: data.y, weights: half, classCount: 3, settings: TreeSettings(maxFeatures: 27)
        ).grow(random: &random)
        #expect(bagged.cover[0] == Double((data.rowCount + 1) / 2))
    }

    @Test("binning: one bin per distinct value when few, quantile bins when many, thresholds between values")
    func binning() {
        var random = SeededRandom(seed: 1)
        let few = Matrix(rows: 6, columns: 1, values: [1, 1, 2, 3, 3, 3])
        let mapper = BinMapper(few, maxBins: 255, random: &random)
        #expect(mapper.upperBounds[0] == [1.5, 2.5])
        #expect([1, 2, 3, 1.5, 2.6].map { mapper.bin($0, feature: 0) } == [0, 1, 2, 0, 2])
        let many = Matrix(rows: 1000, columns: 1, values: (0..<1000).map(Double.init))
        let quantiles = BinMapper(many, maxBins: 10, random: &random)
        #expect(quantiles.binCount(0) == 10)
        let counts = (0..<1000).reduce(into: [Int](repeating: 0, count: 10)) {
            $0[quantiles.bin(Double($1), feature: 0)] += 1
        }
        #expect(counts.allSatisfy { (90...110).contains($0) })
    }

    @Test("a bin is the first bound ≥ the value, for every count of bounds, and binned agrees with bin")
    func binSearch() {
        var random = SeededRandom(seed: 5)
        for count in 0..<70 {
            let bounds = (0..<count).map { Double($0) * 0.5 - 3 }
            let probes = bounds + bounds.map { $0 + 0.25 } + [-100, 100, -.infinity, .infinity, .nan]
            bounds.withUnsafeBufferPointer { bounds in
                for value in probes {
                    let expected = bounds.firstIndex { !($0 < value) } ?? bounds.count
                    #expect(BinMapper.lowerBound(value, bounds) == expected, "\(value) among \(bounds.count) bounds")
                }
            }
        }
        let x = Matrix(rows: 500, columns: 3, values: (0..<1500).map { _ in (random.nextUnit() * 40).rounded() })
        let mapper = BinMapper(x, maxBins: 16, random: &random)
        let binned = mapper.binned(x)
        for r in 0..<x.rows {
            for f in 0..<x.columns { #expect(Int(binned[r * 3 + f]) == mapper.bin(x[r, f], feature: f)) }
        }
    }

    @Test("boosting separates the classes, and its trees store raw-value thresholds")
    func boosting() throws {
        var settings = GradientBoostedTrees.Settings()
        settings.iterations = 20
        settings.tree.minDataInLeaf = 5
        let model = try GradientBoostedTrees.fit(Self.separable, settings)
        #expect(model.trees.count == 40)
        #expect(model.trees[0].feature[0] == 1 && abs(model.trees[0].threshold[0] - 0.5025) < 1e-12)
        let predicted = model.probabilities(Self.separable.x).argmaxRows()
        #expect(predicted == Self.separable.y)
        settings.earlyStoppingRounds = 3
        settings.iterations = 500
        let stopped = try GradientBoostedTrees.fit(Self.separable, settings)
        #expect(stopped.iterations < 500, "early stopping ends before the iteration limit")
    }

    @Test("histograms are cleared and subtracted bin by bin where few bins are occupied, exactly as whole")
    func histogramSparseArithmetic() {
        // 300 bins: words with no, few (< denseWord), many and all bins occupied, and a dense last
        // word that is partly outside the histogram.
        let bins = 300
        var random = SeededRandom(seed: 11)
        let wordShares = [0.0, 0.1, 0.5, 1.0, 0.6]
        var small = HistogramTreeLearner.Histogram(bins: bins)
        small.reset(clearOccupancy: true)
        var parent = HistogramTreeLearner.Histogram(bins: bins)
        parent.reset(clearOccupancy: true)
        for bin in 0..<bins where random.nextUnit() < wordShares[bin / 64] {
            small.sums[2 * bin] = random.nextUnit() - 0.5
            small.sums[2 * bin + 1] = random.nextUnit()
            small.occupied[bin / 64] |= 1 << UInt64(bin % 64)
        }
        for bin in 0..<bins where small.occupied[bin / 64] & (1 << UInt64(bin % 64)) != 0 || random.nextUnit() < 0.3 {
            parent.sums[2 * bin] = small.sums[2 * bin] + random.nextUnit()
            parent.sums[2 * bin + 1] = small.sums[2 * bin + 1] + random.nextUnit()
            parent.occupied[bin / 64] |= 1 << UInt64(bin % 64)
        }
        // The partial last word is dense in both, so the whole-word paths meet the histogram's end.
        #expect(small.occupied[4].nonzeroBitCount >= HistogramTreeLearner.Histogram.denseWord)
        #expect(parent.occupied[4].nonzeroBitCount >= HistogramTreeLearner.Histogram.denseWord)
        let expected = zip(parent.sums, small.sums).map { $0 - $1 }
        let occupancy = parent.occupied
        parent.subtract(small)
        #expect(parent.sums.elementsEqual(expected) { $0.bitPattern == $1.bitPattern })
        #expect(parent.occupied == occupancy)

        parent.reset(clearOccupancy: true)
        #expect(parent.sums.allSatisfy { $0 == 0 })
        #expect(parent.occupied.allSatisfy { $0 == 0 })
        small.reset(clearOccupancy: false)
        #expect(small.sums.allSatisfy { $0 == 0 })
        #expect(small.occupied.allSatisfy { $0 == ~0 })
    }
}
