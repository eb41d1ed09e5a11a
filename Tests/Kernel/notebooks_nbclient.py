"""The notebooks (01 to 04), generated from their .plsh scripts, run end to end in Jupyter with nbclient
on the PlateShell kernel; and the replays `plateshell run --export` wrote, checked as notebooks.

- `plateshell convert scripts/notebooks/N.plsh --to ipynb` makes each notebook; nbclient executes
  them in order in one directory (one workspace, as the notebooks follow each other); no cell may
  end in an error, the executed notebooks must be valid nbformat, hold image/png outputs for the
  charts and text/html tables.
- Each exported .ipynb given must be valid nbformat with every code cell run and showing output.

Usage: notebooks_nbclient.py PLATESHELL_BINARY FAULTS_CSV OUTPUT_DIR [EXPORTED.ipynb ...]
The executed notebooks are written to OUTPUT_DIR.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "lib"))
from kernel_client import install_kernel  # noqa: E402

failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def outputs_of(notebook):
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def main():
    binary, data, out = os.path.abspath(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    exported = sys.argv[4:]
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="plateshell-nbclient-"))
    try:
        (work / "data").mkdir()
        shutil.copy(data, work / "data" / "faults.csv")
        os.environ.update(install_kernel(binary, work / "prefix"))
        scripts = sorted((ROOT / "scripts" / "notebooks").glob("[0-9]*.plsh"))
        for script in scripts:
            generated = work / (script.stem + ".ipynb")
            subprocess.run([binary, "convert", str(script), "--to", "ipynb", "-o", str(generated)], check=True, capture_output=True)
            notebook = nbformat.read(generated, as_version=4)
            nbformat.validate(notebook)
            started = time.perf_counter()
            NotebookClient(notebook, kernel_name="plateshell", timeout=900, resources={"metadata": {"path": str(work)}}).execute()
            seconds = time.perf_counter() - started
            nbformat.write(notebook, out / generated.name)
            nbformat.validate(notebook)
            outputs = outputs_of(notebook)
            errors = [o for o in outputs if o.output_type == "error"]
            check(not errors, f"{script.name}: ran end to end in {seconds:.1f} s with no error cell"
                  + (f" (first: {errors[0].evalue})" if errors else ""))
            pictures = [o for o in outputs if "image/png" in o.get("data", {})]
            tables = [o for o in outputs if "<table" in o.get("data", {}).get("text/html", "")]
            check(len(tables) >= 3, f"{script.name}: {len(tables)} text/html tables")
            if script.name.startswith(("01", "02")):
                check(len(pictures) >= 3, f"{script.name}: {len(pictures)} image/png charts")
            results = [o for o in outputs if o.output_type == "execute_result"]
            check(len(results) >= 5, f"{script.name}: {len(results)} execute_results")
        check_charts(out)
        for path in exported:
            check_export(Path(path))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("\n".join("FAIL " + f for f in failures))
        sys.exit(1)
    print("notebooks: all checks passed")


def check_charts(out):
    """The charts the issue names are there as pictures, each in the cell of its command."""
    expected = {"01-data-load.ipynb": ["counts Label", "corr top=12", "hist Steel_Plate_Thickness"],
                "02-model-testing.ipynb": ["plot pca", "plot compare", "plot confusion", "shap summary", "shap plate 42",
                                           "shap dependence"]}
    for name, commands in expected.items():
        notebook = nbformat.read(out / name, as_version=4)
        for command in commands:
            cells = [c for c in notebook.cells if c.cell_type == "code" and command in c.source]
            has_picture = any("image/png" in o.get("data", {}) for c in cells for o in c.outputs)
            check(has_picture, f"{name}: the cell with '{command}' shows an image/png")


def check_export(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    unrun = [c.source.split("\n")[0] for c in code if c.execution_count is None or not c.outputs]
    check(not unrun, f"{path.name}: valid nbformat, all {len(code)} code cells run with outputs" + (f" (not: {unrun[:3]})" if unrun else ""))
    check(not any(o.output_type == "error" for c in code for o in c.outputs), f"{path.name}: no error output")
    check(notebook.metadata.kernelspec.name == "plateshell", f"{path.name}: opens with the PlateShell kernel")


if __name__ == "__main__":
    main()
