/// What a logged model is: a classifier pipeline (raw indicators → defect class and class
/// probabilities) or a transform (raw indicators → principal components).
public enum LoggedModel: Sendable, Equatable {
    case classifier(FittedPipeline)
    case transform(features: [String], preprocessing: FittedPreprocessing)

    /// `classifier` or `transform`, as the model directory records it.
    public var kind: String {
        switch self {
        case .classifier: "classifier"
        case .transform: "transform"
        }
    }

    /// The raw indicators it reads, in order.
    public var features: [String] {
        switch self {
        case .classifier(let pipeline): pipeline.features
        case .transform(let features, _): features
        }
    }
}
