import Foundation
import MLCore

/// A logged model as one ONNX graph that computes what PlateShell's scoring server answers, from
/// the raw indicators:
///
/// - inputs: one tensor [N] per feature, named like the column, int64 for the signature's `long`
///   columns and double for its `double` ones (what MLflow's pyfunc feeds from a DataFrame);
/// - a classifier's outputs: `predicted`, a string tensor [N], and `proba_<class>`, a double
///   tensor [N] per class; a transform's: `pc1` … `pcK`, double [N] each. Separate named outputs
///   (no ZipMap), so MLflow's pyfunc returns exactly the columns of PlateShell's server.
///
/// The scaler and PCA are `Sub`/`Div`/`MatMul` in double (ai.onnx.ml's `Scaler` computes in
/// float); linear models, naive Bayes and QDA are standard double operators ending in `Softmax`
/// (ai.onnx.ml's `LinearClassifier` holds float coefficients and returns float scores); tree
/// models are one `TreeEnsembleClassifier` (ai.onnx.ml 3, thresholds and leaf weights as double
/// tensors; its scores leave it as float). k-NN has no faithful ONNX form (`unsupportedReason`).
public enum ONNXExport {
    /// The file name in the model directory.
    public static let fileName = "model.onnx"

    /// Why `model` has no ONNX form, or nil when it has one.
    public static func unsupportedReason(_ model: LoggedModel) -> String? {
        guard case .classifier(let pipeline) = model, case .neighbors = pipeline.model else { return nil }
        return
            "knn has no faithful ONNX form: the model is its training rows, and scoring a batch needs either a rows × "
            + "training rows × features difference tensor (813 MB for the 1941 plates) or the expanded |a|² − 2a·b + |b|² "
            + "distances, whose cancellation on the unscaled indicators (up to 1e7) reorders the neighbours"
    }

    /// The ONNX graph of `model`, reading `featureTypes` (the model's features, in order).
    ///
    /// - Throws: `EngineError.invalidArgument` with `unsupportedReason` for a kind without an ONNX form.
    public static func model(_ model: LoggedModel, featureTypes: [ColumnType]) throws -> ONNXModel {
        if let reason = unsupportedReason(model) { throw EngineError(.invalidArgument, reason) }
        var builder = ONNXGraphBuilder()
        let inputs = zip(model.features, featureTypes).map { name, type in
            ONNXValueInfo(name: name, elementType: type == .integer ? .int64 : .double, shape: [nil])
        }
        let x = builder.featureMatrix(inputs)
        let outputs: [ONNXValueInfo]
        switch model {
        case .classifier(let pipeline):
            let features = builder.preprocess(x, pipeline.preprocessing)
            let width = pipeline.preprocessing.pca?.keptComponents ?? pipeline.features.count
            let probabilities: String
            if let trees = TreeEnsembleGraph(pipeline.model, classes: pipeline.classes) {
                probabilities = trees.add(to: &builder, features: features, label: "predicted")
            } else {
                probabilities = ScoreGraph.probabilities(
                    pipeline.model, features: features, width: width, builder: &builder)
                let best = builder.apply(
                    "ArgMax", [probabilities],
                    attributes: [ONNXAttribute("axis", .int(1)), ONNXAttribute("keepdims", .int(0))])
                let labels = builder.constant("classes", dims: [pipeline.classes.count], .strings(pipeline.classes))
                builder.apply("Gather", [labels, best], output: "predicted")
            }
            for (k, name) in pipeline.classes.enumerated() {
                builder.column(k, of: probabilities, output: "proba_" + name)
            }
            outputs =
                [ONNXValueInfo(name: "predicted", elementType: .string, shape: [nil])]
                + pipeline.classes.map { ONNXValueInfo(name: "proba_" + $0, elementType: .double, shape: [nil]) }
        case .transform(let features, let preprocessing):
            let components = builder.preprocess(x, preprocessing)
            let count = preprocessing.pca?.keptComponents ?? features.count
            for j in 0..<count { builder.column(j, of: components, output: "pc\(j + 1)") }
            outputs = (0..<count).map { ONNXValueInfo(name: "pc\($0 + 1)", elementType: .double, shape: [nil]) }
        }
        let name = "plateshell_" + (model.pipelineKind ?? "transform")
        return ONNXModel(
            graph: builder.graph(name: name, inputs: inputs, outputs: outputs),
            producerVersion: PlateShellVersion.current)
    }
}

extension LoggedModel {
    /// The model kind of a classifier (`gbm`, `lr`, …), nil for a transform.
    var pipelineKind: String? {
        if case .classifier(let pipeline) = self { return pipeline.kind }
        return nil
    }
}
