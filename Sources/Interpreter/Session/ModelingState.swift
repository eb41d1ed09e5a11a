import Engine

/// What the session keeps for modelling: the preprocessing plan (`scale`, `pca`), the label, the
/// holdout split, the fitted models by name, and the last leaderboard, PCA and evaluation (for
/// `plot`).
final class ModelingState {
    var plan = PreprocessingPlan()
    /// The label column; `label ... as NAME` sets it.
    var target = "Label"
    var holdout: Holdout?
    /// Fitted models in the order they were fitted (a refit under the same name replaces it).
    var models: [SessionModel] = []
    var leaderboard: [CrossValidationResult] = []
    var leaderboardMetric = "accuracy"
    var lastPCA: LastPCA?
    var lastEvaluation: (model: String, classes: [String], confusion: ConfusionMatrix)?
    /// The features `advise` may change (`actionable`); nil for the documented default.
    var actionable: [String]?
    /// The last SHAP values of many rows, for the next command that explains the same rows.
    var lastExplanation: CachedExplanation?

    func model(named name: String) -> SessionModel? { models.first { $0.name == name } }

    func store(_ model: SessionModel) {
        models.removeAll { $0.name == model.name }
        models.append(model)
    }
}

/// The last `pca`: what it fitted, on which features, after which scaler (for `plot pca` and
/// `register pca`).
struct LastPCA {
    let fitted: PCA.Fitted
    let features: [String]
    let scaler: StandardScaler.Fitted?
    let parameters: PCA.Parameters
}

/// A holdout split of the current frame's rows, remembered with the rows it split (a later
/// change of the frame makes it stale).
struct Holdout {
    let split: Folds.Split
    let sourceRows: [Int]
    let testFraction: Double
    let stratified: Bool
    let seed: Int
}

/// Which rows a model was fitted on.
enum TrainingRows: String, ArgumentChoice {
    /// The holdout's training part.
    case train
    /// Every row of the frame.
    case all
}

/// A model fitted in the session.
struct SessionModel {
    let name: String
    let pipeline: FittedPipeline
    let trainedOn: TrainingRows
    /// The frame it was fitted on, for `state` and lineage.
    let frameLineage: String
    let crossValidation: CrossValidationResult?
    /// The tracking run that recorded it (nil when autolog was off).
    var runId: String? = nil
}

/// An output that can show progress (the terminal).
public protocol ProgressDisplay: AnyObject, Sendable {
    func report(_ label: String, done: Int, total: Int)
}

/// SHAP values computed for some rows with some options, reused while all of them are the same:
/// `shap summary`, `shap dependence` and `advise summary` on one frame explain it once.
struct CachedExplanation {
    let pipeline: FittedPipeline
    let rows: Matrix
    let background: Matrix
    let permutations: Int
    let seed: UInt64
    let explanation: Explanation

    /// Whether these are the values `explain` would give now: same pipeline and rows, and for
    /// the methods that use them, the same background (linear, sampling), permutations and seed
    /// (sampling).
    func answers(_ pipeline: FittedPipeline, rows: Matrix, options: Explainer.Options) -> Bool {
        guard rows == self.rows, pipeline == self.pipeline else { return false }
        switch Explainer.method(for: pipeline) {
        case .tree: return true
        case .linear: return options.background == background
        case .sampling:
            return options.background == background && options.permutations == permutations && options.seed == seed
        }
    }
}
