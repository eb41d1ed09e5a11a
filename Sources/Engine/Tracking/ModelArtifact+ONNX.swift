import Foundation
import MLCore
import Yams

extension ModelArtifact {
    /// Why MLflow's pyfunc cannot load the model directory, or nil when it can: the model has no
    /// ONNX flavor (k-NN, or a graph that failed validation), or its `model.onnx` is missing or
    /// differs from the SHA-256 its `MLmodel` records. PlateShell itself scores from
    /// `pipeline.json` and never reads `model.onnx`; this is what `register` reports about the
    /// run's model directory in the workspace.
    public static func onnxProblem(directory path: String) -> String? {
        let file = path + "/" + ONNXExport.fileName
        guard let data = FileManager.default.contents(atPath: path + "/MLmodel"),
            let mlmodel = (try? Yams.load(yaml: String(decoding: data, as: UTF8.self))) as? [String: Any],
            let flavors = mlmodel["flavors"] as? [String: Any]
        else {
            return "'\(path)/MLmodel' is missing or not an MLmodel file"
        }
        guard let recorded = (flavors["onnx"] as? [String: Any])?["sha256"] as? String else {
            let reason = (flavors[flavor] as? [String: Any])?["onnx_unavailable"] as? String
            return "the model has no ONNX flavor" + (reason.map { " (\($0))" } ?? "")
        }
        guard let onnx = FileManager.default.contents(atPath: file) else { return "'\(file)' is missing" }
        guard ModelDigest.sha256(onnx) == recorded else {
            return "'\(file)' is damaged: its SHA-256 differs from the one MLmodel records"
        }
        return nil
    }

    /// Checks that a model directory whose `MLmodel` declares an ONNX flavor holds that file intact.
    ///
    /// - Throws: `EngineError.invalidData` naming `model.onnx` when it is missing or damaged.
    static func checkONNX(directory path: String, flavors: [String]) throws {
        guard flavors.contains("onnx"), let problem = onnxProblem(directory: path) else { return }
        throw EngineError(
            .invalidData, "the model directory '\(path)' is damaged: \(problem)",
            hint: "MLflow tools read model.onnx; register the model again from its run")
    }
}

/// The ONNX side of a model directory: `model.onnx` and the Python environment to run it in
/// (`PyfuncEnvironment`) with the `onnx` and `python_function` (`mlflow.onnx`) flavors, or, for a
/// model without an ONNX form or whose graph failed validation, none of them and the reason.
struct ONNXFlavors {
    private(set) var files: [(String, Data)] = []
    private(set) var flavors: [(String, YAMLValue)] = []
    /// Why there is no ONNX flavor (the `plateshell` flavor's `onnx_unavailable`), or nil.
    private(set) var unavailable: String?

    init(_ model: LoggedModel, featureTypes: [ColumnType]) {
        do {
            let onnx = try ONNXExport.model(model, featureTypes: featureTypes).serialized()
            files = [(ONNXExport.fileName, onnx)] + PyfuncEnvironment.files
            flavors = [
                (
                    "onnx",
                    .mapping([
                        ("data", .string(ONNXExport.fileName)), ("sha256", .string(ModelDigest.sha256(onnx))),
                        ("ir_version", .integer(ONNXModel.irVersion)),
                        ("opset", .integer(ONNXModel.opset)), ("ml_opset", .integer(ONNXModel.mlOpset)),
                        ("providers", .list([.string("CPUExecutionProvider")])),
                    ])
                ),
                (
                    "python_function",
                    .mapping([
                        ("data", .string(ONNXExport.fileName)), ("env", PyfuncEnvironment.env),
                        ("loader_module", .string("mlflow.onnx")),
                        ("python_version", .string(PyfuncEnvironment.python)),
                    ])
                ),
            ]
        } catch {
            unavailable = EngineError.message(of: error)
        }
    }
}
