import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

/// The drift statistics: the Kolmogorov–Smirnov test against values scipy.stats.ks_2samp gives
/// (1.17, method='auto'), the quantile bins against NumPy's quantiles, PSI by hand, and the
/// per-feature comparison's verdicts and errors. `Tests/CrossCheck/drift_vs_scipy.py` checks the
/// same on every feature of the real data.
@Suite("Drift statistics")
struct DriftTests {
    @Test("KS: statistic and exact p-value of scipy for unequal sizes (lattice paths inside the band)")
    func exactUnequal() throws {
        let test = try KolmogorovSmirnov.twoSample([1, 2, 3, 4], [3, 4, 5, 6, 7])
        #expect(test.isExact)
        #expect(abs(test.statistic - 0.6) < 1e-15)
        #expect(abs(test.pValue - 0.2857142857142857) < 1e-12)
        let first: [Double] = [
            2.04, -2.56, 0.42, -0.57, -0.45, -0.22, -2.02, -0.23, -0.87, 3.32, 0.23, -0.35, -0.28, -0.67, -1.06,
            -0.39, 0.48, -0.24, 0.96, -0.2, 0.02, 1.55, 0.55, -0.51, -0.18, 0.54, 1.94, -0.27, -0.24, 1.0, -0.89,
            -0.29, 0.88, 0.58, 0.09, 0.67, -2.83, 1.02, -0.96, -1.67, 0.28, 0.7, -0.44, -1.08, 0.03, -0.05, 1.41,
            0.75, 0.19, 1.11, -0.21, -0.93, 0.58, 0.58, -0.21, -0.78, 0.23, -2.49, 0.69, 0.49,
        ]
        let second: [Double] = [
            -1.14, 0.56, -0.46, 1.26, -1.53, -0.41, 1.21, 1.66, -1.66, 0.0, 0.83, -0.11, 2.09, -0.69, 0.85, -0.55,
            1.91, 0.48, 0.13, -1.22, 2.18, 1.25, 1.25, 1.64, 0.85, -0.14, -0.3, -0.3, 1.87, -0.96, -0.1, 0.18, 0.72,
            1.08, -0.75, -1.23, 0.5, 1.71, 1.26, 0.72, 0.18, 0.79, 0.26, 1.32, -0.29,
        ]
        let tied = try KolmogorovSmirnov.twoSample(first, second)
        #expect(tied.isExact)
        #expect(abs(tied.statistic - 0.2611111111111111) < 1e-15)
        #expect(abs(tied.pValue - 0.05104267505537071) < 1e-12)
        // Symmetric in its samples.
        let swapped = try KolmogorovSmirnov.twoSample(second, first)
        #expect(swapped.statistic == tied.statistic && abs(swapped.pValue - tied.pValue) < 1e-14)
    }

    @Test("KS: equal sizes take the closed form; a failed exact form falls back as scipy's (p = 1 here)")
    func exactEqual() throws {
        // 1 − P(D ≥ 1/5) for n = 5 is above 1 in the closed form: scipy goes asymptotic, and gives 1.
        let close = try KolmogorovSmirnov.twoSample([1, 2, 3, 4, 5], [1.5, 2.5, 3.5, 4.5, 10])
        #expect(close.statistic == 0.2 && close.pValue == 1 && !close.isExact)
        // Disjoint samples of 3: D = 1, P = 2 / C(6, 3) = 0.1.
        let apart = try KolmogorovSmirnov.twoSample([1, 2, 3], [4, 5, 6])
        #expect(apart.isExact && apart.statistic == 1 && abs(apart.pValue - 0.1) < 1e-15)
        // The same samples: D = 0, p = 1.
        let same = try KolmogorovSmirnov.twoSample([3, 1, 2, 2], [2, 2, 1, 3])
        #expect(same.statistic == 0 && same.pValue == 1)
    }

    @Test("KS: beyond 10,000 rows a side the p-value is asymptotic (kstwo at round(n1·n2/(n1+n2)))")
    func asymptotic() throws {
        // scipy: ks_2samp(normal(0, 1, 12000), normal(0.02, 1, 3000)) has D = 0.025666…, p = 0.0832138…;
        // the same D and n = 2400 here, with Pelz–Good as scipy uses for it.
        let p = KolmogorovDistribution.survival(n: 2400, 0.02566666666666667)
        #expect(abs(p - 0.08321382024688362) < 1e-9)
        // scipy's kstwo.sf where it takes twice Smirnov's one-sided sum (n·d² ≥ 2.2).
        for (n, d, expected) in [
            (1000, 0.051545125860744584, 0.009494900170509754), (5000, 0.0282842712474619, 0.0006576876062563699),
            (2400, 0.05103103630798288, 7.160111929843378e-06), (100_000, 0.0056920997883030825, 0.0030559039316543878),
            (300, 0.09237604307034011, 0.011170021168362925),
        ] {
            #expect(abs(KolmogorovDistribution.survival(n: n, d) - expected) < 1e-11, "n \(n), d \(d)")
        }
        // Where it takes Durbin's matrix (n·d^1.5 ≤ 1.4), and just past it (Pelz–Good again).
        for (n, d, expected) in [
            (917, 0.012, 0.9992222539214758), (5000, 0.004, 0.9999977369528622), (2400, 0.0069, 0.9998148149009985),
            (917, 0.0133, 0.9962768934116729),
        ] {
            #expect(abs(KolmogorovDistribution.survival(n: n, d) - expected) < 1e-11, "n \(n), d \(d)")
        }
        var random = SeededRandom(seed: 5)
        let large = (0..<10_001).map { _ in random.nextUnit() }
        let small = (0..<50).map { _ in random.nextUnit() + 0.5 }
        let test = try KolmogorovSmirnov.twoSample(large, small)
        #expect(!test.isExact && test.pValue < 1e-6)
        #expect(KolmogorovDistribution.survival(n: 100, 0) == 1 && KolmogorovDistribution.survival(n: 100, 1) == 0)
    }

    @Test("KS: an empty sample or NaN is refused")
    func ksErrors() {
        #expect(engineError { _ = try KolmogorovSmirnov.twoSample([], [1]) }?.kind == .invalidData)
        #expect(engineError { _ = try KolmogorovSmirnov.twoSample([1, .nan], [1]) }?.kind == .invalidData)
    }

    @Test("quantile bins: NumPy's linear quantiles, equal cuts merged, (cut[i−1], cut[i]] per bin")
    func bins() {
        let values = (1...10).map(Double.init)
        #expect(QuantileBins.quantile(sorted: values, 0.1) == 1.9)
        #expect(QuantileBins.quantile(sorted: values, 0.25) == 3.25)
        #expect(QuantileBins.quantile(sorted: values, 0.9) == 9.1)
        let bins = QuantileBins(baseline: values)
        #expect(bins.cuts.count == 9)
        #expect(bins.bin(of: 1.9) == 0 && bins.bin(of: 1.91) == 1 && bins.bin(of: -100) == 0 && bins.bin(of: 100) == 9)
        #expect(bins.shares(of: values) == Array(repeating: 0.1, count: 10))
        // A feature of few values (0/1 steel types): nine deciles, three distinct cuts (0, one
        // interpolated between the order statistics 0 and 1, and 1), so four bins.
        let binary = QuantileBins(baseline: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
        #expect(binary.cuts.count == 3 && binary.cuts.first == 0 && binary.cuts.last == 1)
        #expect(binary.shares(of: [0, 1, 1, 1]).reduce(0, +) == 1)
    }

    @Test("PSI: Σ (c − b) ln(c / b), an empty bin counted as 1e-4; 0 for equal shares")
    func psi() {
        #expect(PopulationStability.index(baseline: [0.5, 0.5], current: [0.5, 0.5]) == 0)
        let expected = (0.3 - 0.5) * log(0.3 / 0.5) + (0.7 - 0.5) * log(0.7 / 0.5)
        #expect(abs(PopulationStability.index(baseline: [0.5, 0.5], current: [0.3, 0.7]) - expected) < 1e-15)
        let empty = (1e-4 - 0.5) * log(1e-4 / 0.5) + (1 - 0.5) * log(1 / 0.5)
        #expect(abs(PopulationStability.index(baseline: [0.5, 0.5], current: [0, 1]) - empty) < 1e-15)
    }

    @Test("compare: a shifted feature drifts, an unshifted one does not; shares, missing and out of range")
    func compare() throws {
        var random = SeededRandom(seed: 11)
        let base = (0..<400).map { _ in random.nextUnit() * 100 }
        let steady = (0..<300).map { _ in random.nextUnit() * 100 }
        let baseline = try Table(columns: [
            Column(name: "a", storage: .real(base)), Column(name: "b", storage: .real(base.reversed())),
        ])
        let current = try Table(columns: [
            Column(name: "a", storage: .real(steady.map { $0 * 1.5 + 20 })),
            Column(name: "b", storage: .real(steady), missing: (0..<300).map { $0 < 30 }),
        ])
        let drift = try DriftAnalysis.compare(baseline: baseline, current: current, features: ["a", "b"])
        #expect(drift[0].drifted && drift[0].psi > 1 && drift[0].ks.pValue < 1e-10)
        #expect(drift[0].outOfRange > 0.3)
        #expect(!drift[1].drifted && drift[1].psi < 0.2 && drift[1].ks.pValue > 0.01)
        #expect(abs(drift[1].missing - 0.1) < 1e-15 && drift[1].currentCount == 270)
        #expect(abs(drift[1].currentShares.reduce(0, +) - 1) < 1e-12)
        // Thresholds are settable: with PSI > 0 every feature drifts.
        let strict = try DriftAnalysis.compare(
            baseline: baseline, current: current, features: ["b"], thresholds: DriftThresholds(psi: 0, pValue: 0))
        #expect(strict[0].drifted == (strict[0].psi > 0))
    }

    @Test("compare: clear errors for absent features, text columns and columns with no values")
    func compareErrors() throws {
        let baseline = try Table(columns: [Column(name: "a", storage: .real([1, 2, 3]))])
        let absent = engineError {
            _ = try DriftAnalysis.compare(
                baseline: baseline, current: try Table(columns: [Column(name: "x", storage: .real([1]))]),
                features: ["a"])
        }
        #expect(
            absent?.kind == .unknownColumn && absent?.message.contains("lack 1 of the model's 1 features: a") == true)
        let text = engineError {
            _ = try DriftAnalysis.compare(
                baseline: baseline, current: try Table(columns: [Column(name: "a", storage: .text(["thin"]))]),
                features: ["a"])
        }
        #expect(text?.kind == .typeMismatch && text?.message.contains("'a' of the monitored rows is text") == true)
        let empty = engineError {
            _ = try DriftAnalysis.compare(
                baseline: baseline,
                current: try Table(columns: [Column(name: "a", storage: .real([0]), missing: [true])]),
                features: ["a"])
        }
        #expect(empty?.kind == .invalidData && empty?.message.contains("no values") == true)
    }

    @Test("prediction shift: shares per class on each side, PSI over classes")
    func predictionShift() {
        let shift = PredictionShift(
            baseline: ["A", "A", "B", "B"], current: ["A", "B", "B", "B"], classes: ["A", "B", "C"])
        #expect(shift.classes == ["A", "B", "C"])
        #expect(shift.baselineShares == [0.5, 0.5, 0] && shift.currentShares == [0.25, 0.75, 0])
        #expect(abs(shift.psi - PopulationStability.index(baseline: [0.5, 0.5, 0], current: [0.25, 0.75, 0])) < 1e-15)
    }
}
