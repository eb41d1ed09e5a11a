import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore
@testable import ONNX

/// The graphs `ONNXExport` builds (their numbers are checked against onnxruntime by
/// Tests/CrossCheck/onnx_vs_runtime.py), what the validator refuses, and the model directory's
/// ONNX and pyfunc flavors.
@Suite("ONNX export")
struct ONNXExportTests {
    static let data = EstimatorConformanceTests.data.first
    static let types: [ColumnType] = data.features.map {
        try! EstimatorConformanceTests.data.table.column(named: $0).type
    }

    static func pipeline(
        _ kind: String, _ settings: [String: String] = [:], plan: PreprocessingPlan = PreprocessingPlan(scale: true)
    ) throws -> FittedPipeline {
        let kind = try ModelCatalog.kind(kind)
        return try FittedPipeline.fit(
            kind: kind, settings: try kind.settings(settings), plan: plan, dataset: data, frameSteps: [],
            target: "Label", seed: 42, threads: 2)
    }

    static func graph(_ pipeline: FittedPipeline) throws -> ONNXGraph {
        try ONNXExport.model(.classifier(pipeline), featureTypes: types).graph
    }

    @Test(
        "inputs are the raw columns (int64 for integer columns, double otherwise); outputs predicted and proba_<class>")
    func signature() throws {
        let graph = try Self.graph(try Self.pipeline("lr"))
        #expect(graph.inputs.map(\.name) == Self.data.features)
        #expect(graph.inputs.first { $0.name == "X_Minimum" }?.elementType == .int64)
        #expect(graph.inputs.first { $0.name == "Edges_Index" }?.elementType == .double)
        #expect(graph.inputs.allSatisfy { $0.shape == [nil] })
        #expect(graph.outputs.map(\.name) == ["predicted", "proba_Bumps", "proba_K_Scatch", "proba_Z_Scratch"])
        #expect(graph.outputs.map(\.elementType) == [.string, .double, .double, .double])
        #expect(graph.nodes.filter { $0.opType == "Cast" }.count == Self.types.filter { $0 == .integer }.count)
        #expect(
            graph.nodes.contains { $0.opType == "Sub" } && graph.nodes.contains { $0.opType == "Div" },
            "the scaler in double")
        #expect(graph.nodes.contains { $0.opType == "Softmax" } && graph.nodes.contains { $0.opType == "ArgMax" })
    }

    @Test(
        "a forest is one TreeEnsembleClassifier: every node, leaf fractions, double thresholds, no post-transform, then ÷ trees"
    )
    func forest() throws {
        let pipeline = try Self.pipeline(
            "rf", ["n_estimators": "5"], plan: PreprocessingPlan(scale: true, pca: .components(10)))
        guard case .forest(let forest) = pipeline.model else {
            Issue.record("rf is not a forest")
            return
        }
        let graph = try Self.graph(pipeline)
        let ensembles = graph.nodes.filter { $0.opType == "TreeEnsembleClassifier" }
        let node = try #require(ensembles.first)
        #expect(ensembles.count == 1 && node.domain == "ai.onnx.ml" && node.outputs[0] == "predicted")
        guard case .strings(let modes) = node.attribute("nodes_modes")?.value,
            case .tensor(let weights) = node.attribute("class_weights_as_tensor")?.value,
            case .doubles(let values) = weights.values,
            case .tensor(let thresholds) = node.attribute("nodes_values_as_tensor")?.value
        else {
            Issue.record("the ensemble lacks its attributes")
            return
        }
        let nodes = forest.trees.reduce(0) { $0 + $1.nodeCount }
        let leaves = forest.trees.reduce(0) { total, tree in total + (0..<tree.nodeCount).filter(tree.isLeaf).count }
        let total: Double = values.reduce(0, +)
        #expect(modes.count == nodes)
        #expect(modes.filter { $0 == "LEAF" }.count == leaves)
        #expect(abs(total - Double(leaves)) < 1e-9, "each leaf's fractions sum to 1")
        #expect(thresholds.elementType == .double)
        #expect(
            node.attribute("post_transform")?.value == .string("NONE") && node.attribute("base_values_as_tensor") == nil
        )
        #expect(graph.nodes.contains { $0.opType == "MatMul" }, "PCA as a matrix product")
        #expect(
            graph.initializers.contains { $0.values == .doubles([0.2]) } && graph.nodes.contains { $0.opType == "Mul" },
            "the sums are divided by the 5 trees after the operator")
    }

    @Test("gradient boosting: the initial scores as base values, one weight per leaf on its tree's class, then softmax")
    func boosting() throws {
        let pipeline = try Self.pipeline("gbm", ["n_estimators": "4"])
        guard case .boosting(let boosting) = pipeline.model else {
            Issue.record("gbm is not boosting")
            return
        }
        let node = try #require(try Self.graph(pipeline).nodes.first { $0.opType == "TreeEnsembleClassifier" })
        #expect(node.attribute("post_transform")?.value == .string("SOFTMAX"))
        #expect(
            node.attribute("base_values_as_tensor")?.value
                == .tensor(ONNXTensor(name: "", dims: [3], .doubles(boosting.initialScores))))
        guard case .ints(let classes) = node.attribute("class_ids")?.value,
            case .ints(let trees) = node.attribute("class_treeids")?.value
        else {
            Issue.record("no class ids")
            return
        }
        #expect(zip(classes, trees).allSatisfy { $0 == $1 % 3 }, "tree i adds to class i mod K")
    }

    @Test("every kind but knn exports and passes validation; knn says why it cannot", arguments: ModelCatalog.names)
    func everyKind(_ name: String) throws {
        let pipeline = try Self.pipeline(
            name, ["n_estimators": "3"].filter { _ in ["rf", "et", "gbm", "ada"].contains(name) })
        if name == "knn" {
            #expect(
                ONNXExport.unsupportedReason(.classifier(pipeline))?.hasPrefix("knn has no faithful ONNX form") == true)
            #expect(
                engineError { _ = try ONNXExport.model(.classifier(pipeline), featureTypes: Self.types) }?.kind
                    == .invalidArgument)
        } else {
            let bytes = try ONNXExport.model(.classifier(pipeline), featureTypes: Self.types).serialized()
            #expect(bytes.count > 1000)
        }
    }

    @Test("a transform exports to pc1 … pcK")
    func transform() throws {
        let preprocessing = try FittedPreprocessing.fit(
            PreprocessingPlan(scale: true, pca: .components(4)), Self.data.x)
        let graph = try ONNXExport.model(
            .transform(features: Self.data.features, preprocessing: preprocessing), featureTypes: Self.types
        ).graph
        #expect(graph.outputs.map(\.name) == ["pc1", "pc2", "pc3", "pc4"])
        #expect(graph.outputs.allSatisfy { $0.elementType == .double })
    }
}

/// The model directory's flavors, and what `register` hears about a missing or damaged model.onnx.
@Suite("Model directory ONNX flavors")
struct ModelDirectoryONNXTests {
    static func write(_ pipeline: FittedPipeline) throws -> (directory: TemporaryDirectory, names: [String]) {
        let directory = TemporaryDirectory()
        let files = try ModelArtifact.files(
            .classifier(pipeline), featureTypes: ONNXExportTests.types,
            example: ONNXExportTests.data.x.selecting(rows: [0, 1]), runId: "r")
        for (name, bytes) in files { try bytes.write(to: URL(fileURLWithPath: directory.path + "/" + name)) }
        return (directory, files.map(\.0))
    }

    @Test(
        "a forest's directory has model.onnx, its Python environment and the onnx and python_function flavors; damage is named"
    )
    func exported() throws {
        let (directory, names) = try Self.write(try ONNXExportTests.pipeline("rf", ["n_estimators": "3"]))
        #expect(
            names == [
                "pipeline.json", "model.onnx", "requirements.txt", "python_env.yaml", "conda.yaml",
                "plateshell_env.yaml", "input_example.json", "serving_input_example.json", "MLmodel",
            ])
        let mlmodel = try String(contentsOfFile: directory.path + "/MLmodel", encoding: .utf8)
        #expect(mlmodel.contains("  onnx:\n    data: \"model.onnx\"\n    sha256: \""))
        #expect(
            mlmodel.contains(
                """
                  python_function:
                    data: "model.onnx"
                    env:
                      conda: "conda.yaml"
                      virtualenv: "python_env.yaml"
                    loader_module: "mlflow.onnx"
                    python_version: "3.11.7"

                """), "the flavor names the environment files and the Python version, as MLflow writes them")
        #expect(
            try String(contentsOfFile: directory.path + "/requirements.txt", encoding: .utf8)
                == "mlflow==3.17.2\nonnxruntime==1.32.0", "what mlflow.onnx's loader imports (not onnx), pinned")
        #expect(
            try String(contentsOfFile: directory.path + "/python_env.yaml", encoding: .utf8) == """
                python: 3.11.7
                build_dependencies:
                - pip==23.2.1
                - setuptools==65.5.0
                - wheel
                dependencies:
                - -r requirements.txt

                """)
        #expect(
            try String(contentsOfFile: directory.path + "/conda.yaml", encoding: .utf8) == """
                channels:
                - conda-forge
                dependencies:
                - python=3.11.7
                - pip<=23.2.1
                - pip:
                  - mlflow==3.17.2
                  - onnxruntime==1.32.0
                name: mlflow-env

                """)
        #expect(!mlmodel.contains("onnx_unavailable"))
        #expect(ModelArtifact.onnxProblem(directory: directory.path) == nil)
        let onnx = directory.path + "/model.onnx"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: onnx))
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: onnx))
        #expect(
            ModelArtifact.onnxProblem(directory: directory.path)
                == "'\(onnx)' is damaged: its SHA-256 differs from the one MLmodel records")
        let damaged = try #require(engineError { _ = try ServedModel(directory: directory.path) })
        #expect(
            damaged.message
                == "the model directory '\(directory.path)' is damaged: '\(onnx)' is damaged: its SHA-256 differs from the one MLmodel records",
            "loading a version whose model.onnx is damaged names the file")
        try FileManager.default.removeItem(atPath: onnx)
        #expect(ModelArtifact.onnxProblem(directory: directory.path) == "'\(onnx)' is missing")
        #expect(
            engineError { _ = try ServedModel(directory: directory.path) }?.message.hasSuffix("'\(onnx)' is missing")
                == true)
    }

    @Test("knn's directory has only the plateshell flavor, which says why")
    func knn() throws {
        let (directory, names) = try Self.write(try ONNXExportTests.pipeline("knn"))
        #expect(names.allSatisfy { !["model.onnx", "requirements.txt", "python_env.yaml", "conda.yaml"].contains($0) })
        let mlmodel = try String(contentsOfFile: directory.path + "/MLmodel", encoding: .utf8)
        #expect(mlmodel.contains("    onnx_unavailable: \"knn has no faithful ONNX form"))
        #expect(!mlmodel.contains("python_function") && !mlmodel.contains("  onnx:"))
        #expect(
            ModelArtifact.onnxProblem(directory: directory.path)?.hasPrefix(
                "the model has no ONNX flavor (knn has no faithful ONNX form") == true)
    }
}
