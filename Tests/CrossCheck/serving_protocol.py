"""Cross-check PlateShell's scoring server against the real `mlflow models serve` (3.17.2).

1. PlateShell: in a fresh workspace, TOP3 with one-hot labels and scaling, `fit lr on=all`,
   registered as m and staged to Production; then `plateshell serve models:/m/Production --port P`
   in the foreground (its "Serving ... pid N" line is checked).
2. MLflow: the same rows (the first 27 columns; the class from the 7 one-hot fault columns; the
   rows of Bumps, K_Scatch and Z_Scratch) and a scikit-learn Pipeline (StandardScaler,
   LogisticRegression), saved with mlflow.sklearn.save_model (signature, input example) and
   served by `mlflow models serve --env-manager local`.
3. The same requests go to both servers:
   - valid bodies as MLflow's own helpers write them (convert_input_example_to_serving_input,
     dataframe_split with and without index, dataframe_records, instances, inputs as columns and
     as records, each server's serving_input_example.json, text/csv, charset=utf-8): both must
     answer 200 with one prediction per row; every PlateShell prediction must be a record with
     `predicted` and `proba_*` keys whose probabilities sum to 1 (1e-9), and name the model
     version in X-PlateShell-Model. (The two fits differ, so the classes are not compared.)
   - bad requests (missing column, wrong type, malformed JSON, a top-level list, no or two format
     keys, other content types and parameters, no Content-Type, other methods and paths) and
     /ping, /health, /version: the status codes must agree, except the differences listed in
     DIFFERENCES (each of which must still be observed); where both answer MLflow's error JSON,
     error_code and error_class must agree (and detail for 404 and 405, the body of /ping and
     /health); every PlateShell 4xx body must be JSON with error_code and message (detail for 404
     and 405).
4. PlateShell must exit 0 on SIGTERM.

Usage: serving_protocol.py PLATESHELL_BINARY FAULTS_CSV
"""
import glob
import http.client
import json
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from peers import FAULTS, exit_on_failures, log_tail, run_plateshell, serving_side_by_side, top3_rows  # noqa: E402

warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer column")

import mlflow.models  # noqa: E402
import mlflow.sklearn  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

MODEL = "m"
PLATESHELL_SETUP = (f"use fsp.faults; label onehot={','.join(FAULTS)}; keep top=3 by=Label exclude=Other_Faults; scale; "
                    f"fit lr on=all; register lr as {MODEL}; stage {MODEL} 1 Production")
JSON_TYPE = "application/json"
DOUBLE_COLUMN = "Edges_Index"

# Where PlateShell answers differently from MLflow on purpose: case → ((MLflow, PlateShell), why), the
# pair being the statuses, or the kinds of body ("text" or "json") for cases whose statuses agree.
DIFFERENCES = {
    "no Content-Type header": ((500, 415), "MLflow fails inside the server (500 'Internal Server Error'); "
                               "PlateShell refuses the request as an unsupported media type and says which types it reads"),
    "text/plain content type": (("text", "json"), "415 bodies: MLflow answers text/plain, PlateShell MLflow's error JSON"),
    "charset=latin-1": (("text", "json"), "415 bodies: MLflow answers text/plain, PlateShell MLflow's error JSON"),
    "; format=pandas-split": (("text", "json"), "415 bodies: MLflow answers text/plain, PlateShell MLflow's error JSON"),
}


# Models

def prepare_plateshell(binary, data, workspace):
    """Fits, registers and stages the model in a fresh workspace; returns its serving_input_example.json."""
    run_plateshell(binary, workspace, f"load {data} as fsp.faults; {PLATESHELL_SETUP}")
    examples = glob.glob(f"{workspace}/artifacts/runs/*/model/serving_input_example.json")
    if len(examples) != 1:
        sys.exit(f"expected one serving_input_example.json under {workspace}/artifacts/runs/*/model/, found {examples}")
    return examples[0]


def save_sklearn_model(X, y, directory):
    """StandardScaler + LogisticRegression fitted on all rows, saved as an MLflow model (skops, the default:
    a linear model needs no trusted types)."""
    pipeline = Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(max_iter=1000))])
    pipeline.fit(X, y)
    mlflow.sklearn.save_model(pipeline, directory, signature=infer_signature(X, pipeline.predict(X)), input_example=X.head(2))
    return f"{directory}/serving_input_example.json"


# Requests

class Case:
    """One request: `rows` is the number of predictions expected (None for a request that must fail)."""

    def __init__(self, name, body=b"", content_type=JSON_TYPE, method="POST", path="/invocations", rows=None):
        self.name, self.method, self.path, self.content_type, self.rows = name, method, path, content_type, rows
        self.body = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()


def send(url, case):
    """(status, content type, response, body bytes); a raw connection, so no header is added unasked."""
    connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=60)
    try:
        headers = {"Content-Type": case.content_type} if case.content_type is not None else {}
        if case.method == "POST":
            headers["Content-Length"] = str(len(case.body))
            connection.request(case.method, case.path, body=case.body, headers=headers)
        else:
            connection.request(case.method, case.path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response, response.read()
    finally:
        connection.close()


def body_kind(content_type, body):
    if content_type.split(";")[0].strip() == JSON_TYPE:
        try:
            json.loads(body)
            return "json"
        except ValueError:
            return "bad json"
    return "text"


def rows_in(example_path):
    with open(example_path) as f:
        example = json.load(f)
    (format_key, payload), = [(k, v) for k, v in example.items() if k != "params"]
    if format_key == "dataframe_split":
        return len(payload["data"])
    if isinstance(payload, dict):
        return len(next(iter(payload.values())))
    return len(payload)


def cases(X, mlflow_example, plateshell_example):
    head = X.head(3)
    split = head.to_dict(orient="split")
    unindexed = head.to_dict(orient="split", index=False)
    records = head.to_dict(orient="records")
    missing = head.drop(columns=[DOUBLE_COLUMN]).to_dict(orient="split", index=False)
    wrong = head.astype(object)
    wrong.loc[1, DOUBLE_COLUMN] = "a"
    wrong = wrong.to_dict(orient="split", index=False)
    valid_json = json.dumps({"dataframe_split": unindexed})
    return [
        Case("convert_input_example_to_serving_input", mlflow.models.convert_input_example_to_serving_input(head), rows=3),
        Case("dataframe_split with index", {"dataframe_split": split}, rows=3),
        Case("dataframe_split without index", {"dataframe_split": unindexed}, rows=3),
        Case("dataframe_records", {"dataframe_records": records}, rows=3),
        Case("instances", {"instances": records}, rows=3),
        Case("inputs as columns", {"inputs": head.to_dict(orient="list")}, rows=3),
        Case("inputs as records", {"inputs": records}, rows=3),
        Case("mlflow's serving_input_example.json", open(mlflow_example, "rb").read(), rows=rows_in(mlflow_example)),
        Case("plateshell's serving_input_example.json", open(plateshell_example, "rb").read(), rows=rows_in(plateshell_example)),
        Case("text/csv", head.to_csv(index=False), content_type="text/csv", rows=3),
        Case("charset=utf-8", valid_json, content_type=f"{JSON_TYPE}; charset=utf-8", rows=3),
        Case("missing column", {"dataframe_split": missing}),
        Case("wrong type", {"dataframe_split": wrong}),
        Case("malformed JSON", valid_json[:-7]),
        Case("top-level JSON list", records),
        Case("no format key", {"data": unindexed}),
        Case("two format keys", {"inputs": records, "instances": records}),
        Case("text/plain content type", valid_json, content_type="text/plain"),
        Case("charset=latin-1", valid_json, content_type=f"{JSON_TYPE}; charset=latin-1"),
        Case("; format=pandas-split", valid_json, content_type=f"{JSON_TYPE}; format=pandas-split"),
        Case("no Content-Type header", valid_json, content_type=None),
        Case("GET /invocations", method="GET", content_type=None),
        Case("unknown path", method="POST", path="/predict"),
        Case("GET /ping", method="GET", path="/ping", content_type=None),
        Case("GET /health", method="GET", path="/health", content_type=None),
        Case("GET /version", method="GET", path="/version", content_type=None),
    ]


def check_valid(case, mlflow_answer, plateshell_answer):
    """Problems with a valid body's answers."""
    problems = []
    (ml_status, _, _, ml_body), (ps_status, _, ps_response, ps_body) = mlflow_answer, plateshell_answer
    if ml_status != 200 or ps_status != 200:
        return [f"expected 200 from both: mlflow {ml_status} {ml_body[:300]!r}, plateshell {ps_status} {ps_body[:300]!r}"]
    ml_predictions = json.loads(ml_body).get("predictions")
    ps_predictions = json.loads(ps_body).get("predictions")
    if not isinstance(ml_predictions, list) or len(ml_predictions) != case.rows:
        problems.append(f"mlflow: expected {case.rows} predictions, got {ml_body[:300]!r}")
    if not isinstance(ps_predictions, list) or len(ps_predictions) != case.rows:
        problems.append(f"plateshell: expected {case.rows} predictions, got {ps_body[:300]!r}")
        return problems
    for index, record in enumerate(ps_predictions):
        probabilities = {k: v for k, v in record.items() if k.startswith("proba_")} if isinstance(record, dict) else {}
        if "predicted" not in record or not probabilities:
            problems.append(f"plateshell prediction {index} lacks predicted or proba_*: {record}")
        elif abs(sum(probabilities.values()) - 1) > 1e-9:
            problems.append(f"plateshell prediction {index}: probabilities sum to {sum(probabilities.values())!r}")
    model = ps_response.getheader("X-PlateShell-Model")
    if model != f"{MODEL}/1":
        problems.append(f"plateshell X-PlateShell-Model is {model!r}, expected {MODEL}/1")
    return problems


def check_plateshell_error(status, content_type, body):
    """Problems with a PlateShell 4xx answer: MLflow's error JSON, or {"detail": ...} for 404 and 405."""
    if not 400 <= status < 500:
        return []
    try:
        answer = json.loads(body)
    except ValueError:
        return [f"plateshell {status} body is not JSON: {body[:300]!r}"]
    if not content_type.startswith(JSON_TYPE):
        return [f"plateshell {status} content type is {content_type!r}"]
    keys = ["detail"] if status in (404, 405) else ["error_code", "message"]
    missing = [key for key in keys if not isinstance(answer, dict) or key not in answer]
    return [f"plateshell {status} body lacks {', '.join(missing)}: {body[:300]!r}"] if missing else []


def json_object(body):
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def same_answer(case, ml_body, ps_body):
    """Problems where the statuses agree: the same error_code and error_class (both error JSON), the
    same detail (404, 405), the same body (/ping, /health)."""
    ml_answer, ps_answer = json_object(ml_body), json_object(ps_body)
    if ml_answer and ps_answer and "error_code" in ml_answer:
        ml_kind, ps_kind = (ml_answer.get("error_code"), ml_answer.get("error_class")), (ps_answer.get("error_code"), ps_answer.get("error_class"))
        if ml_kind != ps_kind:
            return [f"error_code, error_class: mlflow {ml_kind}, plateshell {ps_kind}: {ps_body[:300]!r}"]
    if ml_answer and ps_answer and "detail" in ml_answer and ml_answer.get("detail") != ps_answer.get("detail"):
        return [f"detail: mlflow {ml_answer.get('detail')!r}, plateshell {ps_answer.get('detail')!r}"]
    if case.path in ("/ping", "/health") and ml_body != ps_body:
        return [f"body: mlflow {ml_body!r}, plateshell {ps_body!r}"]
    return []


def compare(case, mlflow_answer, plateshell_answer):
    """Problems, and the documented difference observed (or None)."""
    if case.rows is not None:
        return check_valid(case, mlflow_answer, plateshell_answer), None
    (ml_status, ml_type, _, ml_body), (ps_status, ps_type, _, ps_body) = mlflow_answer, plateshell_answer
    problems = check_plateshell_error(ps_status, ps_type, ps_body)
    documented, reason = DIFFERENCES.get(case.name, (None, None))
    observed = None
    if ml_status != ps_status:
        observed = (ml_status, ps_status)
    elif ml_status >= 400:
        kinds = (body_kind(ml_type, ml_body), body_kind(ps_type, ps_body))
        observed = kinds if kinds[0] != kinds[1] else None
    if ml_status == ps_status:
        problems += same_answer(case, ml_body, ps_body)
    if observed != documented:
        if documented is None:
            problems.append(f"mlflow answers {ml_status} {ml_body[:300]!r}, plateshell {ps_status} {ps_body[:300]!r}")
        else:
            problems.append(f"documented difference {documented} ({reason}) not observed: got {observed}; "
                            f"mlflow {ml_status} {ml_body[:200]!r}, plateshell {ps_status} {ps_body[:200]!r}")
    return problems, (observed, reason) if observed else None


def main():
    binary, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    X, y = top3_rows(data)
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        workspace = f"{scratch}/workspace"
        plateshell_example = prepare_plateshell(binary, data, workspace)
        mlflow_example = save_sklearn_model(X, y, f"{scratch}/sklearn-model")
        with serving_side_by_side(binary, workspace, MODEL, f"{scratch}/sklearn-model", scratch) as both:
            said = log_tail(both.plateshell_log)
            pattern = rf"Serving .* at {re.escape(both.plateshell_url)}/invocations, pid {both.plateshell.pid}\b"
            if not re.search(pattern, said):
                failures.append(f"plateshell serve did not announce {both.plateshell_url}/invocations "
                                f"and pid {both.plateshell.pid}: {said[-500:]!r}")
            for case in cases(X, mlflow_example, plateshell_example):
                mlflow_answer, plateshell_answer = send(both.mlflow_url, case), send(both.plateshell_url, case)
                problems, difference = compare(case, mlflow_answer, plateshell_answer)
                verdict = "ok" if not problems else "MISMATCH"
                note = f" (documented: {difference[1]})" if difference and not problems else ""
                print(f"  {case.name}: mlflow {mlflow_answer[0]} | plateshell {plateshell_answer[0]} {verdict}{note}")
                for problem in problems:
                    print(f"    {problem}")
                    failures.append(f"{case.name}: {problem}")
        if both.stop_problem:
            failures.append(both.stop_problem)
        else:
            print("  plateshell serve exited 0 on SIGTERM")

    exit_on_failures(failures)
    print("  serving protocol: plateshell serve and mlflow models serve agree on every case")


if __name__ == "__main__":
    main()
