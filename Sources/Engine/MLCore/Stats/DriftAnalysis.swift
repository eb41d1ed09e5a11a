import Foundation

/// When a feature counts as drifted: its PSI above `psi`, or its Kolmogorov–Smirnov p-value below
/// `pValue` (defaults 0.2 and 0.01, the usual "significant shift" reading of PSI and a 1% test).
public struct DriftThresholds: Sendable, Equatable {
    public static let defaultPSI = 0.2
    public static let defaultPValue = 0.01

    public var psi: Double
    public var pValue: Double

    public init(psi: Double = defaultPSI, pValue: Double = defaultPValue) {
        self.psi = psi
        self.pValue = pValue
    }

    /// Whether a feature with this PSI and p-value has drifted.
    public func drifted(psi: Double, pValue: Double) -> Bool { psi > self.psi || pValue < self.pValue }
}

/// How one feature of the current rows compares with the baseline's.
public struct FeatureDrift: Sendable, Equatable {
    public let feature: String
    /// The population stability index on the baseline's quantile bins.
    public let psi: Double
    /// The two-sample Kolmogorov–Smirnov test on the values present in each.
    public let ks: KolmogorovSmirnov.Result
    /// The share of the current rows' values below the baseline's minimum or above its maximum.
    public let outOfRange: Double
    /// The share of the current rows where the feature is missing.
    public let missing: Double
    public let drifted: Bool
    /// The bins' cut points and each side's share of values in every bin.
    public let bins: QuantileBins
    public let baselineShares: [Double]
    public let currentShares: [Double]
    /// The values present on each side (for overlaid distributions).
    public let baselineCount: Int
    public let currentCount: Int
}

/// Compares the current rows (new plates, an inference table) with the baseline (the training
/// rows) feature by feature: PSI, the Kolmogorov–Smirnov test, the share out of the baseline's
/// range and the missing share, with a drift verdict by `DriftThresholds`.
public enum DriftAnalysis {
    /// Each of `features`, compared.
    ///
    /// - Throws: `EngineError.unknownColumn` naming every feature either table lacks;
    ///   `.typeMismatch` for a text column; `.invalidData` for a feature with no values.
    public static func compare(
        baseline: Table, current: Table, features: [String], thresholds: DriftThresholds = DriftThresholds()
    ) throws -> [FeatureDrift] {
        for (table, role) in [(current, "monitored rows"), (baseline, "baseline")] {
            let absent = features.filter { (try? table.index(of: $0)) == nil }
            if !absent.isEmpty {
                throw EngineError(
                    .unknownColumn,
                    "the \(role) lack \(absent.count) of the model's \(features.count) features: \(absent.joined(separator: ", "))",
                    hint: "monitor compares the columns the model reads; columns= picks some of them")
            }
        }
        return try features.map { feature in
            let expected = try values(of: try baseline.column(named: feature), role: "baseline")
            let column = try current.column(named: feature)
            let observed = try values(of: column, role: "monitored rows")
            guard !expected.isEmpty else {
                throw EngineError(.invalidData, "feature '\(feature)' has no values in the baseline")
            }
            guard !observed.isEmpty else {
                throw EngineError(
                    .invalidData,
                    "feature '\(feature)' has no values in the monitored rows (all \(column.count) missing)")
            }
            let bins = QuantileBins(baseline: expected)
            let baselineShares = bins.shares(of: expected)
            let currentShares = bins.shares(of: observed)
            let psi = PopulationStability.index(baseline: baselineShares, current: currentShares)
            let ks = try KolmogorovSmirnov.twoSample(expected, observed)
            let low = expected.min()!
            let high = expected.max()!
            let outside = observed.filter { $0 < low || $0 > high }.count
            return FeatureDrift(
                feature: feature, psi: psi, ks: ks, outOfRange: Double(outside) / Double(observed.count),
                missing: Double(column.count - observed.count) / Double(max(column.count, 1)),
                drifted: thresholds.drifted(psi: psi, pValue: ks.pValue), bins: bins, baselineShares: baselineShares,
                currentShares: currentShares, baselineCount: expected.count, currentCount: observed.count)
        }
    }

    /// The numbers of a column, missing cells left out.
    private static func values(of column: Column, role: String) throws -> [Double] {
        guard column.type.isNumeric else {
            throw EngineError(
                .typeMismatch, "column '\(column.name)' of the \(role) is text; monitor compares numeric features",
                hint: "the model reads '\(column.name)' as a number: convert or reload the column")
        }
        return column.presentDoubles().filter { !$0.isNaN }
    }
}

/// How the shares of the predicted classes moved between the baseline and the current rows.
public struct PredictionShift: Sendable, Equatable {
    /// Every class predicted on either side, with its share on each.
    public let classes: [String]
    public let baselineShares: [Double]
    public let currentShares: [Double]
    /// The PSI over the classes (empty shares taken as `PopulationStability.emptyShare`).
    public let psi: Double

    /// The shift from the baseline's predicted labels to the current rows'.
    public init(baseline: [String], current: [String], classes known: [String] = []) {
        let classes = known + Set(baseline + current).subtracting(known).sorted()
        func shares(_ labels: [String]) -> [Double] {
            let counts = Dictionary(labels.map { ($0, 1) }, uniquingKeysWith: +)
            return classes.map { labels.isEmpty ? 0 : Double(counts[$0, default: 0]) / Double(labels.count) }
        }
        self.classes = classes
        baselineShares = shares(baseline)
        currentShares = shares(current)
        psi = PopulationStability.index(baseline: baselineShares, current: currentShares)
    }
}
