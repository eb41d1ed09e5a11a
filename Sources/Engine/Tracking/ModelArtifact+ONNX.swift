import CCrypto
import Foundation

extension ModelArtifact {
    /// Why MLflow's pyfunc cannot load the model directory, or nil when it can: the model has no
    /// ONNX flavor (k-NN, or a graph that failed validation), or its `model.onnx` is missing or
    /// differs from the SHA-256 its `MLmodel` records. PlateShell itself scores from
    /// `pipeline.json` and never reads `model.onnx`; this is what `register` reports.
    ///
    /// - Parameter location: the directory's path or `file://` URL (a version's storage location).
    public static func onnxProblem(directory location: String) -> String? {
        let path = location.hasPrefix("file:") ? URL(string: location)?.path ?? location : location
        let file = path + "/" + ONNXExport.fileName
        guard let mlmodel = FileManager.default.contents(atPath: path + "/MLmodel").flatMap({ String(data: $0, encoding: .utf8) }) else {
            return "'\(path)/MLmodel' is missing"
        }
        let lines = mlmodel.split(separator: "\n")
        guard let line = lines.first(where: { $0.hasPrefix("    sha256: ") }),
              let recorded = try? JSONDecoder().decode(String.self, from: Data(line.dropFirst("    sha256: ".count).utf8)) else {
            let reason = (try? load(directory: path)).flatMap(ONNXExport.unsupportedReason) ?? "see onnx_unavailable in its MLmodel"
            return "the model has no ONNX flavor (\(reason))"
        }
        guard let data = FileManager.default.contents(atPath: file) else { return "'\(file)' is missing" }
        guard SHA256.hex(data) == recorded else { return "'\(file)' is damaged: its SHA-256 differs from the one MLmodel records" }
        return nil
    }
}

/// The ONNX side of a model directory: `model.onnx` and `requirements.txt` with the `onnx` and
/// `python_function` (`mlflow.onnx`) flavors, or, for a model without an ONNX form or whose graph
/// failed validation, none of them and the reason.
struct ONNXFlavors {
    /// The Python packages MLflow's pyfunc needs to load `model.onnx` (its `mlflow.onnx` loader).
    static let pyfuncRequirements = ["mlflow", "onnx", "onnxruntime"]

    private(set) var files: [(String, Data)] = []
    private(set) var flavors: [(String, YAMLValue)] = []
    /// Why there is no ONNX flavor (the `plateshell` flavor's `onnx_unavailable`), or nil.
    private(set) var unavailable: String?

    init(_ model: LoggedModel, featureTypes: [ColumnType]) {
        do {
            let onnx = try ONNXExport.model(model, featureTypes: featureTypes).serialized()
            files = [(ONNXExport.fileName, onnx), ("requirements.txt", Data((Self.pyfuncRequirements.joined(separator: "\n") + "\n").utf8))]
            flavors = [
                ("onnx", .mapping([
                    ("data", .string(ONNXExport.fileName)), ("sha256", .string(SHA256.hex(onnx))), ("ir_version", .integer(ONNXModel.irVersion)),
                    ("opset", .integer(ONNXModel.opset)), ("ml_opset", .integer(ONNXModel.mlOpset)),
                    ("providers", .list([.string("CPUExecutionProvider")])),
                ])),
                ("python_function", .mapping([("data", .string(ONNXExport.fileName)), ("loader_module", .string("mlflow.onnx"))])),
            ]
        } catch {
            unavailable = (error as? EngineError)?.message ?? "\(error)"
        }
    }
}

/// SHA-256 digests (OpenSSL's libcrypto).
enum SHA256 {
    /// Lowercase hex SHA-256 of `data`.
    static func hex(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        data.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        EVP_DigestFinal_ex(context, &digest, &length)
        EVP_MD_CTX_free(context)
        return digest.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}
