import CCrypto
import Foundation
import GRDBSQLite
import MLCore

/// The model directory a run logs (MLflow's layout, with a `plateshell` flavor, and `onnx` and
/// `python_function` flavors when the model has an ONNX form):
///
/// ```
/// model/
///   MLmodel                    flavors, signature (MLflow column types), input example info
///   pipeline.json              the versioned PlateShell artifact (FittedPipeline, or the transform)
///   model.onnx                 the same pipeline as an ONNX graph (see ONNXExport), when it has one
///   requirements.txt           what MLflow's pyfunc needs to run model.onnx (with model.onnx),
///   python_env.yaml            and the environment MLflow recreates for it: virtualenv or uv,
///   conda.yaml                 or conda (PyfuncEnvironment)
///   plateshell_env.yaml        PlateShell version, Swift toolchain, linked library versions
///   input_example.json         two raw rows, split orient
///   serving_input_example.json the same as a scoring request ({"dataframe_split": ...})
/// ```
///
/// A model without an ONNX form (k-NN), or whose graph failed validation, has only the
/// `plateshell` flavor, whose `onnx_unavailable` field says why.
public enum ModelArtifact {
    public static let directory = "model"

    /// The files of the model directory, relative to it, `MLmodel` last. Made on one thread: a
    /// session makes them in the background (`RunRecorder.model`), beside the command's other files.
    public static func files(_ model: LoggedModel, featureTypes: [ColumnType], example: Matrix, runId: String) throws
        -> [(String, Data)]
    {
        let pipeline = try encoded(model)
        let (inputs, outputs) = signature(model, featureTypes: featureTypes)
        let rows = (0..<example.rows).map { r in
            JSON.array(
                (0..<example.columns).map { c in
                    featureTypes[c] == .integer && example[r, c] == example[r, c].rounded()
                        ? JSON.integer(Int64(example[r, c])) : JSON.number(example[r, c])
                })
        }
        let split = JSON.object([("columns", .array(model.features.map(JSON.string))), ("data", .array(rows))])
        let onnx = ONNXFlavors(model, featureTypes: featureTypes)
        let plateshell: [(String, YAMLValue)] =
            [
                ("artifact", .string("pipeline.json")), ("kind", .string(model.kind)),
                ("format_version", .integer(Int64(FittedPipeline.formatVersion))),
                ("plateshell_version", .string(PlateShellVersion.current)), ("env", .string("plateshell_env.yaml")),
            ] + (onnx.unavailable.map { [("onnx_unavailable", .string($0))] } ?? [])
        let flavors = (onnx.flavors + [("plateshell", .mapping(plateshell))]).sorted { $0.0 < $1.0 }
        let mlmodel = YAMLValue.mapping([
            ("artifact_path", .string(directory)),
            ("flavors", .mapping(flavors)),
            ("mlflow_version", .string(PyfuncEnvironment.mlflow)),
            ("model_uuid", .string(MD5.randomId())),
            ("run_id", .string(runId)),
            (
                "saved_input_example_info",
                .mapping([
                    ("artifact_path", .string("input_example.json")), ("pandas_orient", .string("split")),
                    ("serving_input_path", .string("serving_input_example.json")), ("type", .string("dataframe")),
                ])
            ),
            ("signature", .mapping([("inputs", .string(inputs)), ("outputs", .string(outputs)), ("params", .null)])),
            ("utc_time_created", .string(Self.utcNow())),
        ])
        // MLmodel last: a model directory is complete exactly when it has its MLmodel file, even
        // if the process was killed while writing it.
        return [("pipeline.json", pipeline)] + onnx.files + [
            ("plateshell_env.yaml", Data(environment().text().utf8)),
            ("input_example.json", Data(split.serialized().utf8)),
            ("serving_input_example.json", Data(JSON.object([("dataframe_split", split)]).serialized().utf8)),
            ("MLmodel", Data(mlmodel.text().utf8)),
        ]
    }

    /// The `pipeline.json` of a model: the fitted pipeline, or a transform's features and steps.
    static func encoded(_ model: LoggedModel) throws -> Data {
        switch model {
        case .classifier(let pipeline): return try pipeline.encoded()
        case .transform(let features, let preprocessing):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return try encoder.encode(
                TransformArtifact(
                    formatVersion: FittedPipeline.formatVersion, features: features, preprocessing: preprocessing))
        }
    }

    /// The signature as MLflow JSON strings: one column spec per raw feature (`long` for integer
    /// columns, `double` otherwise); outputs the predicted class and each class's probability, or
    /// the principal components.
    public static func signature(_ model: LoggedModel, featureTypes: [ColumnType]) -> (inputs: String, outputs: String)
    {
        func column(_ name: String, _ type: String) -> JSON {
            .object([("type", .string(type)), ("name", .string(name)), ("required", .bool(true))])
        }
        let inputs = JSON.array(
            zip(model.features, featureTypes).map { column($0, $1 == .integer ? "long" : "double") })
        let outputs: JSON =
            switch model {
            case .classifier(let pipeline):
                .array([column("predicted", "string")] + pipeline.classes.map { column("proba_\($0)", "double") })
            case .transform(_, let preprocessing):
                .array((0..<(preprocessing.pca?.keptComponents ?? 0)).map { column("pc\($0 + 1)", "double") })
            }
        return (inputs.serialized(), outputs.serialized())
    }

    /// The environment the model was made in: the Swift equivalent of MLflow's conda.yaml.
    public static func environment() -> YAMLValue {
        .mapping([
            ("plateshell", .string(PlateShellVersion.current)),
            ("swift", .string(swiftVersion)),
            ("platform", .string(ProcessInfo.processInfo.operatingSystemVersionString)),
            (
                "libraries",
                .mapping([
                    ("sqlite", .string(String(cString: sqlite3_libversion()))),
                    ("openssl", .string(String(cString: OpenSSL_version(0)))),
                    ("cairo", .string(Figure.cairoVersion)),
                ])
            ),
        ])
    }

    static var swiftVersion: String {
        #if compiler(>=6.3)
            "6.3 or later"
        #elseif compiler(>=6.2)
            "6.2"
        #else
            "6.1 or earlier"
        #endif
    }

    static func utcNow() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSSSSS"
        return formatter.string(from: Date())
    }
}

/// A transform model's artifact: the features it reads and its fitted scaler and PCA.
struct TransformArtifact: Codable {
    let formatVersion: Int
    let features: [String]
    let preprocessing: FittedPreprocessing
}
