import Foundation
import MLCore

/// The Python environment MLflow recreates to run a model's `python_function` flavor (its
/// `mlflow.onnx` loader): `requirements.txt`, `python_env.yaml` (for the virtualenv and uv
/// managers) and `conda.yaml`, written byte for byte as MLflow 3.17.2 writes them, and the
/// flavor's `env` and `python_version` fields that point at them.
///
/// PlateShell itself runs no Python, so the versions are those of the environment the
/// cross-checks score the models in (`scripts/test`'s `.venv-crosscheck`: Python 3.11.7 from
/// pyenv, with its pip and setuptools). `Tests/CrossCheck/onnx_vs_runtime.py` checks these files
/// against the ones MLflow writes there, and `mlflow_roundtrip.py` serves and scores a registered
/// model in the environment they describe (`--env-manager virtualenv`).
enum PyfuncEnvironment {
    /// The Python version the flavor names (`python_version`, and `python` in `python_env.yaml`).
    static let python = "3.11.7"
    /// pip, setuptools and wheel as `python_env.yaml` lists them: pinned to the versions in the
    /// cross-check environment (wheel is not installed there, so MLflow leaves it unpinned).
    static let pip = "23.2.1"
    static let buildDependencies = ["pip==\(pip)", "setuptools==65.5.0", "wheel"]
    /// What loading and predicting through `mlflow.onnx` imports: MLflow (with its pandas and
    /// numpy) and onnxruntime. Not onnx: only `mlflow.onnx.save_model` and `load_model` import it.
    static let requirements = ["mlflow==\(mlflow)", "onnxruntime==1.32.0"]
    /// The MLflow the files are written as (and the `MLmodel`'s `mlflow_version`, which
    /// `get_model_info()` reports).
    static let mlflow = "3.17.2"

    /// `requirements.txt`, `python_env.yaml` and `conda.yaml`, as MLflow writes them.
    static var files: [(String, Data)] {
        let pythonEnv =
            ["python: \(python)", "build_dependencies:"] + buildDependencies.map { "- " + $0 }
            + ["dependencies:", "- -r requirements.txt"]
        let conda =
            ["channels:", "- conda-forge", "dependencies:", "- python=\(python)", "- pip<=\(pip)", "- pip:"]
            + requirements.map { "  - " + $0 } + ["name: mlflow-env"]
        return [
            ("requirements.txt", Data(requirements.joined(separator: "\n").utf8)),
            ("python_env.yaml", Data((pythonEnv.joined(separator: "\n") + "\n").utf8)),
            ("conda.yaml", Data((conda.joined(separator: "\n") + "\n").utf8)),
        ]
    }

    /// The `python_function` flavor's `env`: the file each environment manager reads.
    static let env = YAMLValue.mapping([
        ("conda", .string("conda.yaml")), ("virtualenv", .string("python_env.yaml")),
    ])
}
