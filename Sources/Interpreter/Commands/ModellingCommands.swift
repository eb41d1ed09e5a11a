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

    enum Keys {
        static let method = Given<Scaling>("method")
        static let action = Key<PCAAction>("action"), components = Key<Int>("k"), variance = Key<Double>("var"),
            top = Given<Int>("top")
        static let test = Given<Double>("test"), stratify = Given<Bool>("stratify"), seed = Key<Int>("seed")
        static let folds = Given<String>("folds"), sort = Given<String>("sort"), models = Key<[String]>("models")
        static let exclude = Key<[String]>("exclude"), pca = Key<Toggle>("pca")
        static let kind = Given<String>("model"), name = Key<String>("as"), on = Key<String>("on"),
            trainOn = Key<TrainingRows>("on")
        static let iterations = Given<Int>("iters"), metric = Given<String>("metric"), what = Key<ModelListing>("what")
        static let model = Key<String>("model"), row = Key<Int>("row"), into = Key<String>("into"),
            with = Key<String>("with")
        static let limit = Given<Int>("limit"), chart = Given<Chart>("chart"), file = Key<String>("file")
    }
}
