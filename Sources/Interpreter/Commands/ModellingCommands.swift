import Engine
import Foundation

/// The modelling commands: the preprocessing plan (scale, pca), the holdout split, compare,
/// fit, tune, the fitted models, evaluate, predict and plot. They read the frame and change the
/// modelling state, record their runs, and draw into the workspace's artifacts — all through
/// their `ModelingContext`.
struct ModellingCommands: CommandGroup {
    static let readsTracking = false
    let modeling: ModelingContext

    init(session: Session) { modeling = ModelingContext(session: session) }

    static let rows = preprocessingRows + trainingRows + evaluationRows + plotRows

    /// The explained variance PCA keeps by default: the notebook's (`pca`, `compare pca=on`).
    static let notebookVariance = 0.999

    /// `scale method=`: standard scaling, or none.
    enum Scaling: String, ArgumentChoice {
        case standard
        case unscaled = "none"
    }
    /// `pca loadings` or `pca off`.
    enum PCAAction: String, ArgumentChoice { case loadings, off }
    /// `compare pca=on|off`.
    enum Toggle: String, ArgumentChoice { case on, off }
    /// `models kinds` or `models registered`.
    enum ModelListing: String, ArgumentChoice { case kinds, registered }
    /// `plot pca|confusion|compare`.
    enum Chart: String, ArgumentChoice { case pca, confusion, compare }

}
