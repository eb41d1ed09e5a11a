import Foundation

/// Which preprocessing stages a pipeline fits before its model: the session's `scale` and `pca`.
public struct PreprocessingPlan: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var scale = false
    public var pca: PCA.Parameters?

    public init(scale: Bool = false, pca: PCA.Parameters? = nil) {
        self.scale = scale
        self.pca = pca
    }

    public var description: String {
        var stages: [String] = []
        if scale { stages.append("scale") }
        if let pca { stages.append("pca \(pca)") }
        return stages.isEmpty ? "none" : stages.joined(separator: " → ")
    }
}

/// The fitted preprocessing stages, applied in order: standard scaling, then PCA.
public struct FittedPreprocessing: Sendable, Equatable, Codable {
    public let scaler: StandardScaler.Fitted?
    public let pca: PCA.Fitted?

    public init(scaler: StandardScaler.Fitted?, pca: PCA.Fitted?) {
        self.scaler = scaler
        self.pca = pca
    }

    /// Fits the plan's stages on training rows.
    public static func fit(_ plan: PreprocessingPlan, _ x: Matrix) throws -> FittedPreprocessing {
        let scaler = plan.scale ? StandardScaler.fit(x) : nil
        let scaled = scaler?.transform(x) ?? x
        let pca = try plan.pca.map { try PCA.fit(scaled, $0) }
        return FittedPreprocessing(scaler: scaler, pca: pca)
    }

    public func transform(_ x: Matrix) -> Matrix {
        let scaled = scaler?.transform(x) ?? x
        return pca?.transform(scaled) ?? scaled
    }
}

/// A model with everything needed to predict from raw rows: the feature columns it reads (by
/// name), the fitted preprocessing, the model, the class names, and the preparation steps that
/// made its training frame (for lineage). Serialized as a versioned JSON artifact; loading it
/// back predicts bit for bit the same.
public struct FittedPipeline: Sendable, Equatable, Codable {
    /// The artifact format; loading refuses other versions.
    public static let formatVersion = 1

    public let formatVersion: Int
    public let kind: String
    public let settings: ModelSettings
    public let plan: PreprocessingPlan
    public let target: String
    public let features: [String]
    public let classes: [String]
    public let frameSteps: [FrameStep]
    public let preprocessing: FittedPreprocessing
    public let model: FittedModel

    /// Fits preprocessing then the model on `dataset`.
    public static func fit(
        kind: ModelKind, settings: ModelSettings, plan: PreprocessingPlan, dataset: Dataset,
        frameSteps: [FrameStep], target: String, seed: UInt64, cancellation: Cancellation? = nil,
        threads: Int = 1
    ) throws -> FittedPipeline {
        let preprocessing = try FittedPreprocessing.fit(plan, dataset.x)
        let data = TrainingData(
            x: preprocessing.transform(dataset.x), y: dataset.y, classCount: dataset.classes.count,
            seed: seed, cancellation: cancellation, threads: threads)
        let model = try kind.fit(settings, data)
        return FittedPipeline(
            formatVersion: formatVersion, kind: kind.name, settings: settings, plan: plan, target: target,
            features: dataset.features, classes: dataset.classes, frameSteps: frameSteps,
            preprocessing: preprocessing, model: model)
    }

    /// Class probabilities for a feature matrix in `features` order.
    public func probabilities(_ x: Matrix) -> Matrix {
        model.probabilities(preprocessing.transform(x))
    }

    /// The predicted class and each class's probability for `x`, as the columns `predict` stores
    /// (`predicted`, `proba_<class>`: the outputs of the logged signature).
    public func predictionColumns(_ x: Matrix) -> [Column] {
        let probabilities = probabilities(x)
        return [Column(name: "predicted", storage: .text(probabilities.argmaxRows().map { classes[$0] }))]
            + classes.indices.map { k in
                Column(name: "proba_\(classes[k])", storage: .real((0..<x.rows).map { probabilities[$0, k] }))
            }
    }

    /// The feature matrix of `table`'s rows, columns picked by name.
    ///
    /// - Throws: see `Table.matrix(of:)`.
    public func features(of table: Table) throws -> Matrix {
        try table.matrix(of: features)
    }

    /// The artifact: compact JSON with sorted keys (trees written by `TreeJSON`).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try TreeJSON.encode(self, with: encoder)
    }

    /// A pipeline read from its artifact.
    ///
    /// - Throws: `EngineError.invalidData` for a damaged artifact or another format version.
    public static func decode(_ data: Data) throws -> FittedPipeline {
        do {
            let pipeline = try TreeJSON.decode(FittedPipeline.self, from: data, with: JSONDecoder())
            guard pipeline.formatVersion == formatVersion else {
                throw EngineError(
                    .invalidData,
                    "model artifact format \(pipeline.formatVersion) is not supported (this PlateShell reads \(formatVersion))"
                )
            }
            return pipeline
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.invalidData, "not a PlateShell model artifact: \(error)")
        }
    }
}

extension Table {
    /// The matrix of `features` (picked by name) over every row.
    ///
    /// - Throws: `EngineError.unknownColumn` naming every feature the table lacks;
    ///   `.typeMismatch` or `.invalidData` for text or missing cells.
    public func matrix(of features: [String]) throws -> Matrix {
        let missing = features.filter { (try? index(of: $0)) == nil }
        if !missing.isEmpty {
            throw EngineError(
                .unknownColumn,
                "the rows lack \(missing.count) feature\(missing.count == 1 ? "" : "s") the model needs: \(missing.joined(separator: ", "))",
                hint: "the model reads \(features.count) columns: \(features.joined(separator: ", "))")
        }
        let columns = try features.map { try column(named: $0) }
        var values = [Double](repeating: 0, count: rowCount * features.count)
        for (c, column) in columns.enumerated() {
            guard column.type.isNumeric else {
                throw EngineError(.typeMismatch, "feature '\(column.name)' is text; the model needs numbers")
            }
            for r in 0..<rowCount {
                guard let v = column.double(at: r) else {
                    throw EngineError(
                        .invalidData, "feature '\(column.name)' is missing on row \(r)",
                        hint: "fill or drop missing cells first (fillna, dropna)")
                }
                values[r * features.count + c] = v
            }
        }
        return Matrix(rows: rowCount, columns: features.count, values: values)
    }
}
