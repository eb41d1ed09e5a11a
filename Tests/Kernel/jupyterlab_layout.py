"""The executed notebooks in real JupyterLab (4.x, headless Chromium over the DevTools protocol) at
1280 px: charts fit the output area and nothing scrolls sideways in it, prose is in paragraphs (not
<pre>, where JupyterLab breaks words anywhere), and no terminal leftovers (text bars, progress bars).

A JupyterLab server is started on a free port with no token, on a folder holding copies of the
notebooks, trusted (`jupyter trust`, so their SVG charts are shown) and with the PlateShell
kernelspec installed; the notebook setting `windowingMode: none` lays out every cell (no
virtualisation), so every output area is measured. Each notebook is opened, every output area's
scrollWidth is compared with its clientWidth, every SVG chart's drawn width with its area's, and a
screenshot of the first chart is kept. The Help menu has the kernel's "PlateShell commands" entry (a
command `help-menu-plateshell:…`, read from the app, exposed with `expose_app_in_browser`), and the
server serves the reference it opens.

Usage: jupyterlab_layout.py PLATESHELL_BINARY OUTPUT_DIR EXECUTED.ipynb ...
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from html_screenshot import WIDTH, DevTools, start_chromium  # noqa: E402
from kernel_client import install_kernel  # noqa: E402

failures = []

MEASURE = """JSON.stringify((() => {
  const areas = [...document.querySelectorAll('.jp-OutputArea-output')];
  const wide = areas.filter(a => a.scrollWidth > a.clientWidth + 1)
    .map(a => [a.scrollWidth, a.clientWidth, a.textContent.slice(0, 80)]);
  const svgs = [...document.querySelectorAll('.jp-RenderedSVG img')].map(i => {
    const area = i.closest('.jp-OutputArea-output');
    return [i.getBoundingClientRect().width, area.clientWidth, i.complete && i.naturalWidth > 0];
  });
  const prose = [...document.querySelectorAll('.jp-OutputArea-output pre')]
    .map(p => p.textContent)
    .filter(t => t.length > 40 && !t.split('\\n').some(l => l.startsWith(' ') || l.includes('  '))
                 && !t.includes('│') && !/^[A-Za-z]+Error/.test(t))
    .map(t => t.slice(0, 80));
  const paragraphs = document.querySelectorAll('.jp-OutputArea-output div.plsh-text p').length;
  const bars = areas.filter(a => /[█░]/.test(a.textContent)).map(a => a.textContent.slice(0, 80));
  const progress = document.querySelectorAll('.jp-OutputArea-output progress').length;
  const tables = document.querySelectorAll('.jp-OutputArea-output table').length;
  return {areas: areas.length, wide, svgs, prose, paragraphs, bars, progress, tables};
})())"""


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(root, env, port, log_path):
    jupyter = str(Path(sys.executable).parent / "jupyter")
    log = open(log_path, "w")
    process = subprocess.Popen(
        [jupyter, "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1", f"--ServerApp.root_dir={root}",
         "--allow-root", "--IdentityProvider.token=", "--ServerApp.password=", "--LabApp.extension_manager=readonly",
         "--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.time() + 90
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited; see {log_path}")
        try:
            opener.open(f"http://127.0.0.1:{port}/api/status", timeout=2)
            return process
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("jupyter lab did not answer within 90 s")


def evaluate(devtools, expression):
    return devtools.call("Runtime.evaluate", returnByValue=True, expression=expression)["result"].get("value")


def check_notebook(name, port, out, devtools):
    devtools.call("Page.enable")
    devtools.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=900, deviceScaleFactor=1, mobile=False)
    devtools.call("Page.navigate", url=f"http://127.0.0.1:{port}/lab/tree/{name}?reset")
    deadline = time.time() + 120
    seen, stable = -1, 0
    while time.time() < deadline and stable < 3:
        time.sleep(1)
        count = evaluate(devtools, "document.querySelectorAll('.jp-OutputArea-output').length") or 0
        images = evaluate(devtools, "[...document.querySelectorAll('.jp-RenderedSVG img')].every(i => i.complete)")
        stable = stable + 1 if count == seen and count > 0 and images else 0
        seen = count
    found = json.loads(evaluate(devtools, MEASURE))
    check(found["areas"] > 0, f"{name}: JupyterLab shows {found['areas']} output areas")
    check(not found["wide"], f"{name}: no output area scrolls sideways at {WIDTH} px" + (f" ({found['wide'][:3]})" if found["wide"] else ""))
    svgs = found["svgs"]
    check(all(loaded and width <= area + 1 for width, area, loaded in svgs),
          f"{name}: {len(svgs)} SVG charts, each within its output area ({[(round(w), a) for w, a, _ in svgs[:3]]} ...)")
    check(not found["prose"], f"{name}: no sentence inside <pre> ({found['paragraphs']} paragraphs)"
          + (f": {found['prose'][:2]}" if found["prose"] else ""))
    check(not found["bars"] and not found["progress"],
          f"{name}: no text bars or progress bars left ({found['tables']} tables)" + (f": {found['bars'][:2]}" if found["bars"] else ""))
    evaluate(devtools, "document.querySelector('.jp-RenderedSVG img')?.scrollIntoView()")
    time.sleep(0.5)
    shot = devtools.call("Page.captureScreenshot", format="png")
    (out / (Path(name).stem + "-jupyterlab.png")).write_bytes(base64.b64decode(shot["data"]))
    return len(svgs)


def check_help_menu(port, devtools):
    """The Help menu entry that kernel_info's help_links add, and the page it opens."""
    devtools.call("Emulation.setFocusEmulationEnabled", enabled=True)
    entries = []
    deadline = time.time() + 30
    while time.time() < deadline and not entries:
        # A headless page has no focus, so the shell has no current widget until one is activated.
        evaluate(devtools, """window.jupyterapp && [...window.jupyterapp.shell.widgets('main')]
            .forEach(w => window.jupyterapp.shell.activateById(w.id))""")
        entries = evaluate(devtools, """window.jupyterapp ? window.jupyterapp.commands.listCommands()
            .filter(id => id.startsWith('help-menu-'))
            .map(id => [id, window.jupyterapp.commands.label(id)]) : []""") or []
        entries = [entry for entry in entries if entry[1] == "PlateShell commands"]
        time.sleep(0.5)
    check(bool(entries), f"the Help menu has the kernel's entry ({entries})")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    page = opener.open(f"http://127.0.0.1:{port}/kernelspecs/plateshell/help.html", timeout=10).read().decode()
    check("<code>describe</code>" in page, "the server serves the reference the entry opens (/kernelspecs/plateshell/help.html)")
    if entries:
        evaluate(devtools, f"window.jupyterapp.commands.execute({json.dumps(entries[0][0])})")
        loaded = None
        deadline = time.time() + 20
        while time.time() < deadline and not loaded:
            time.sleep(0.5)
            # JupyterLab sandboxes the help tab's iframe: its document cannot be read from here; the
            # server's answer for the same address is checked above.
            loaded = evaluate(devtools, """[...document.querySelectorAll('iframe')].map(f => f.src)
                .filter(src => src.endsWith('/kernelspecs/plateshell/help.html'))[0] || null""")
        check(loaded == f"http://127.0.0.1:{port}/kernelspecs/plateshell/help.html",
              f"the entry opens the reference in a tab ({loaded!r})")


def main():
    binary, out, notebooks = os.path.abspath(sys.argv[1]), Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]]
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="plateshell-lab-"))
    lab = chromium = None
    try:
        root = work / "root"
        root.mkdir()
        env = install_kernel(binary, work / "prefix")
        settings = work / "settings" / "@jupyterlab" / "notebook-extension"
        settings.mkdir(parents=True)
        (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
        env.update(JUPYTERLAB_SETTINGS_DIR=str(work / "settings"), JUPYTER_DATA_DIR=str(work / "data"),
                   JUPYTER_CONFIG_DIR=str(work / "config"), JUPYTER_RUNTIME_DIR=str(work / "runtime"))
        jupyter = str(Path(sys.executable).parent / "jupyter")
        for notebook in notebooks:
            shutil.copy(notebook, root / notebook.name)
            subprocess.run([jupyter, "trust", str(root / notebook.name)], env=env, check=True, capture_output=True)
        port = free_port()
        lab = start_lab(root, env, port, out / "jupyterlab.log")
        profile = tempfile.mkdtemp(prefix="plateshell-chromium-", dir=work)
        chromium, url = start_chromium(profile)
        devtools = DevTools(url)
        charts = sum(check_notebook(notebook.name, port, out, devtools) for notebook in notebooks)
        check(charts > 0, f"the notebooks hold {charts} SVG charts in all")
        check_help_menu(port, devtools)
    finally:
        for process in (chromium, lab):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("\n".join("FAIL " + f for f in failures))
        sys.exit(1)
    print(f"jupyterlab: all checks passed (screenshots in {out})")


if __name__ == "__main__":
    main()
