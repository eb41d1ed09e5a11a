"""Cross-check PlateShell's TreeSHAP against the shap library on the very same trees.

For rf, et and gbm (and ada) fitted by PlateShell on TOP3, `shap export` writes the fitted trees
in shap's custom tree format together with PlateShell's SHAP values for all 983 plates;
shap.TreeExplainer (path-dependent, the same algorithm) explains the same trees here. Every value
and the base values must agree to 1e-6 (absolute); and the export must be the fitted model: the
exported trees' summed output (through softmax for margin and decision spaces) must equal
PlateShell's predicted probabilities on every plate, to 1e-6.

For the linear pipelines (lr on scaled PCA components, lr, ridge, lda and svm on scaled indicators),
`shap export` writes the pipeline's affine form in the raw indicators and its background rows.
The export must be the fitted model (intercepts + rows · coefficients equal PlateShell's decision
scores, and for lr their softmax its predicted probabilities, to 1e-9), and PlateShell's values
must equal shap.LinearExplainer's (interventional, the background as masker) on all 983 plates and
the model-agnostic shap.PermutationExplainer's on the model's scoring function for 60 plates, to
1e-9 of the largest |value| (a linear function has no interactions, so one permutation is exact).

Usage: shap_vs_library.py PLATESHELL_BINARY FAULTS_CSV
"""
import json
import subprocess
import sys
import tempfile

import numpy as np
import shap

FAULTS = ["Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults"]
TOLERANCE = 1e-6


LINEAR_TOLERANCE = 1e-9
LINEAR = {"lr+pca": "scale; pca var=0.999; fit lr", "lr": "scale; fit lr", "ridge": "scale; fit ridge",
          "lda": "scale; fit lda", "svm": "scale; fit svm"}


def export(binary, data, workspace, steps, path, scored_model=None):
    """Runs PlateShell on TOP3 with `steps`, exports SHAP to `path`; returns the document and, with
    `scored_model`, that model's stored probabilities for every plate."""
    commands = (f"load {data} as fsp.faults; label onehot={','.join(FAULTS)}; keep top=3 by=Label exclude=Other_Faults; "
                f"{steps}; shap export {path}")
    if scored_model:
        commands += (f"; save as fsp.top3; predict {scored_model} on=fsp.top3 into=fsp.scored; "
                     "sql select proba_Bumps, proba_K_Scatch, proba_Z_Scratch from fsp.scored")
    result = subprocess.run([binary, "--workspace", workspace, "--format", "json", "-c", commands], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"plateshell failed: {result.stderr}")
    document = json.load(open(path))
    if not scored_model:
        return document, None
    query = [json.loads(line) for line in result.stdout.splitlines() if line.strip()][-1]
    return document, np.asarray(next(b for b in query["blocks"] if b["type"] == "table")["rows"], dtype=np.float64)


def check_linear(binary, data):
    """PlateShell's linear SHAP against shap.LinearExplainer and shap.PermutationExplainer."""
    failures, lines = [], []
    for name, steps in LINEAR.items():
        with tempfile.TemporaryDirectory() as workspace:
            document, predicted = export(binary, data, workspace, steps, f"{workspace}/{name}.json",
                                         scored_model="lr" if name.startswith("lr") else None)
        coefficients = np.asarray(document["model"]["coefficients"])   # features × classes
        intercepts = np.asarray(document["model"]["intercepts"])
        rows, background = np.asarray(document["rows"]), np.asarray(document["background"])
        ours, base = np.asarray(document["shap"]), np.asarray(document["base"])   # rows × features × classes
        scores = rows @ coefficients + intercepts
        model_error = float(np.max(np.abs(scores - np.asarray(document["outputs"]))))
        if predicted is not None:
            softmax = np.exp(scores - scores.max(axis=1, keepdims=True))
            model_error = max(model_error, float(np.max(np.abs(softmax / softmax.sum(axis=1, keepdims=True) - predicted))))
        masker = shap.maskers.Independent(background, max_samples=len(background))
        linear = np.stack([shap.LinearExplainer((coefficients[:, k], intercepts[k]), masker).shap_values(rows)
                           for k in range(len(intercepts))], axis=-1)
        expected = np.asarray([shap.LinearExplainer((coefficients[:, k], intercepts[k]), masker).expected_value
                               for k in range(len(intercepts))])
        sample = np.arange(0, len(rows), len(rows) // 60)[:60]
        permutation = np.stack([shap.PermutationExplainer(lambda x, k=k: x @ coefficients[:, k] + intercepts[k], masker)(
            rows[sample], max_evals=2 * rows.shape[1] + 1, silent=True).values for k in range(len(intercepts))], axis=-1)
        scale = max(1.0, float(np.max(np.abs(ours))))
        linear_error = float(np.max(np.abs(linear - ours))) / scale
        permutation_error = float(np.max(np.abs(permutation - ours[sample]))) / scale
        base_error = float(np.max(np.abs(expected - base))) / max(1.0, float(np.max(np.abs(base))))
        ok = max(linear_error, permutation_error, base_error, model_error) <= LINEAR_TOLERANCE
        lines.append(f"{name:6} {rows.shape[0]} plates, {len(background)} background rows: relative |Δφ| LinearExplainer "
                     f"{linear_error:.1e}, PermutationExplainer {permutation_error:.1e}, |Δbase| {base_error:.1e}, "
                     f"affine form vs scores |Δ| {model_error:.1e} {'ok' if ok else 'FAIL'}")
        if not ok:
            failures.append(lines[-1])
    return failures, lines


def main():
    binary, data = sys.argv[1:3]
    failures, lines = check_linear(binary, data)
    for model in ["rf", "et", "gbm", "ada"]:
        with tempfile.TemporaryDirectory() as workspace:
            path = f"{workspace}/{model}.json"
            commands = (f"load {data} as fsp.faults; label onehot={','.join(FAULTS)}; keep top=3 by=Label exclude=Other_Faults; "
                        f"fit {model}; shap export {path}; save as fsp.top3; predict {model} on=fsp.top3 into=fsp.scored; "
                        "sql select proba_Bumps, proba_K_Scatch, proba_Z_Scratch from fsp.scored")
            result = subprocess.run([binary, "--workspace", workspace, "--format", "json", "-c", commands], capture_output=True, text=True)
            if result.returncode != 0:
                sys.exit(f"plateshell failed: {result.stderr}")
            document = json.load(open(path))
            query = [json.loads(line) for line in result.stdout.splitlines() if line.strip()][-1]
            predicted = np.asarray(next(b for b in query["blocks"] if b["type"] == "table")["rows"], dtype=np.float64)
        trees = [{key: np.asarray(value, dtype=np.float64 if key in ("thresholds", "values", "node_sample_weight") else np.int32)
                  for key, value in tree.items()} for tree in document["model"]["trees"]]
        model_dict = {"trees": trees, "base_offset": np.asarray(document["model"]["base_offset"]), "tree_output": "raw_value",
                      "input_dtype": np.float64, "internal_dtype": np.float64}
        explainer = shap.TreeExplainer(model_dict)
        rows = np.asarray(document["rows"])
        theirs = np.asarray(explainer.shap_values(rows))
        ours = np.asarray(document["shap"])
        if theirs.shape != ours.shape:
            theirs = np.moveaxis(theirs, 0, -1)
        # The export is the fitted model: the trees' summed output (through softmax outside probability
        # space) is PlateShell's predicted probabilities on every row.
        raw = np.asarray(explainer.model.predict(rows))
        exported = raw if document["space"] == "probability" else np.exp(raw - raw.max(axis=1, keepdims=True))
        exported = exported / exported.sum(axis=1, keepdims=True)
        model_error = float(np.max(np.abs(exported - predicted))) if exported.shape == predicted.shape else float("inf")
        value_error = float(np.max(np.abs(theirs - ours)))
        base_error = float(np.max(np.abs(np.asarray(explainer.expected_value) - np.asarray(document["base"]))))
        ok = value_error <= TOLERANCE and base_error <= TOLERANCE and model_error <= TOLERANCE
        lines.append(f"{model:4} {len(trees):4} trees × {rows.shape[0]} plates: largest |Δφ| {value_error:.2e}, |Δbase| {base_error:.2e}, "
                     f"exported trees vs predict |Δp| {model_error:.2e} ({document['space']} space) {'ok' if ok else 'FAIL'}")
        if not ok:
            failures.append(lines[-1])
    print("\n".join(lines))
    if failures:
        sys.exit(f"FAILED: {len(failures)} models disagree with shap {shap.__version__}")
    print(f"ok: TreeSHAP agrees with shap {shap.__version__} within {TOLERANCE}, linear SHAP within {LINEAR_TOLERANCE} "
          "of the largest value")


if __name__ == "__main__":
    main()
