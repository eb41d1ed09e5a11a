"""The PlateShell Jupyter kernel against a real client: jupyter_client's KernelManager.

Installs the kernelspec into a temporary prefix (`plateshell kernel install --prefix`), checks that
`jupyter kernelspec list` lists it, starts the kernel through the spec, then exercises every
message type the kernel handles: kernel_info, execute (narration, several commands, HTML tables,
PNG charts, execute_result, errors with the caret diagnostic, stop_on_error), progress as an
updating display, complete (cursor positions in code points), inspect, is_complete, history,
comm_info, an unknown request, malformed frames, a forged signature and a replayed one (never
executed), each command's output sent when it ends (header dates), finished and interrupted progress
left as one line, full command names in cells, the Help menu's link, interrupt during a long tune
(the session survives), restart and shutdown, and --workspace before or after `kernel`.

Usage: kernel_protocol.py PLATESHELL_BINARY FAULTS_CSV
"""
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client import BlockingKernelClient, KernelManager
from jupyter_client.connect import write_connection_file
from jupyter_client.session import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from kernel_client import install_kernel, run_cell  # noqa: E402

FAULTS = "Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults"
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def main():
    binary, data = os.path.abspath(sys.argv[1]), sys.argv[2]
    work = Path(tempfile.mkdtemp(prefix="plateshell-kernel-"))
    try:
        (work / "data").mkdir()
        shutil.copy(data, work / "data" / "faults.csv")
        env = install_kernel(binary, work / "prefix")
        listed = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "kernelspec", "list"], env=env,
                                capture_output=True, text=True, check=True).stdout
        check("plateshell" in listed and str(work / "prefix") in listed, "jupyter kernelspec list lists the installed kernel")
        os.environ.update(env)
        log = open(work / "kernel.log", "w")
        km = KernelManager(kernel_name="plateshell")
        started = time.perf_counter()
        km.start_kernel(cwd=str(work), stderr=log)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=30)
        check(time.perf_counter() - started < 10, "the kernel is ready")
        try:
            km, kc = exercise(km, kc, work, log)
        finally:
            kc.stop_channels()
            if km.is_alive():
                km.shutdown_kernel(now=True)
        log.close()
        text = (work / "kernel.log").read_text()
        check("ignored a message on the shell channel: the HMAC-SHA256 signature does not match" in text,
              "the kernel logged the forged message")
        check("ignored a message on the shell channel: no <IDS|MSG> delimiter frame" in text, "the kernel logged the malformed frames")
        check("ignored a message on the shell channel: the signature repeats an earlier message's" in text,
              "the kernel logged the replayed message")
        workspace_option(binary, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("\n".join("FAIL " + f for f in failures))
        sys.exit(1)
    print("kernel protocol: all checks passed")


def exercise(km, kc, work, log):
    msg_id = kc.kernel_info()
    info = kc.get_shell_msg(timeout=10)["content"]
    check(info["status"] == "ok" and info["protocol_version"].startswith("5."), "kernel_info_reply: protocol 5.x")
    check(info["language_info"]["file_extension"] == ".plsh" and info["language_info"]["codemirror_mode"] == "shell",
          "kernel_info_reply: .plsh, the shell CodeMirror mode")
    links = info.get("help_links", [])
    check(links == [{"text": "PlateShell commands", "url": "/kernelspecs/plateshell/help.html"}]
          and "<code>describe</code>" in (work / "prefix/share/jupyter/kernels/plateshell/help.html").read_text(),
          f"kernel_info_reply: a Help menu link to the reference the kernelspec holds ({links})")

    reply, outputs = run_cell(kc, "load data/faults.csv as fsp.faults")
    check(reply["status"] == "ok" and reply["execution_count"] == 1, "execute_reply ok, execution_count 1")
    types = [m["msg_type"] for m in outputs]
    check(types[0] == "status" and types[1] == "execute_input" and types[-1] == "status", "busy, execute_input ... idle")
    check(outputs[1]["content"]["code"] == "load data/faults.csv as fsp.faults", "execute_input carries the code")
    result = [m for m in outputs if m["msg_type"] == "execute_result"]
    check(len(result) == 1 and "Loaded 1941 rows" in result[0]["content"]["data"]["text/plain"], "execute_result with the load message")

    reply, outputs = run_cell(kc, f"## Which defects?\n# a comment\nlabel onehot={FAULTS}\ncounts Label")
    check(reply["status"] == "ok" and reply["execution_count"] == 2, "a cell with narration, a comment and two commands")
    displays = [m["content"]["data"] for m in outputs if m["msg_type"] in ("display_data", "execute_result")]
    check(displays[0].get("text/markdown") == "Which defects?", "narration as text/markdown")
    tables = [d for d in displays if "<table" in d.get("text/html", "")]
    check(any("Other_Faults" in d["text/html"] and d["application/vnd.plateshell.output+json"]["command"] == "counts"
              for d in tables), "counts as text/html with its --format json document")
    pictures = [d for d in displays if "image/png" in d]
    check(len(pictures) == 1 and pictures[0]["image/png"].startswith("iVBORw0KGgo") and "<svg" in pictures[0].get("image/svg+xml", ""),
          "the Pareto chart as image/png and image/svg+xml")
    order = [m["msg_type"] for m in outputs if m["msg_type"] in ("display_data", "execute_result")]
    check(order[-2:] == ["execute_result", "display_data"], "the cell's result, then its picture")

    reply, outputs = run_cell(kc, "describe Pixels_Areas\ntune gbm iters=6\ncounts Label")
    started = outputs[0]["header"]["date"]

    def at(message):
        return (message["header"]["date"] - started).total_seconds()
    described = [m for m in outputs if m["msg_type"] == "display_data" and "Pixels_Areas" in m["content"]["data"].get("text/html", "")]
    progress = [m for m in outputs if m["content"].get("transient", {}).get("display_id", "").startswith("plateshell-progress")]
    tuned = [m for m in outputs if "Best settings" in str(m["content"].get("data", {}).get("text/plain", ""))]
    counted = [m for m in outputs if m["msg_type"] == "execute_result"]
    check(reply["status"] == "ok" and described and progress and tuned and counted, "describe, tune gbm and counts in one cell")
    if described and progress and tuned and counted:
        print(f"     describe at {at(described[0]):.2f} s, tune's progress from {at(progress[0]):.2f} s, "
              f"tune's result at {at(tuned[0]):.2f} s, counts at {at(counted[0]):.2f} s")
        check(at(described[0]) < at(progress[0]) and at(tuned[0]) - at(described[0]) > 1.0,
              "describe's output is sent when describe ends, before tune's progress, not when tune ends")
        check(at(tuned[0]) < at(counted[0]) and "Label" in counted[0]["content"]["data"]["text/plain"],
              "tune's output before counts ends; counts (the last command) is the cell's execute_result")
        final = progress[-1]["content"]["data"]
        check(progress[-1]["msg_type"] == "update_display_data" and final["text/plain"].startswith("tune gbm: 30/30 in ")
              and "█" not in final["text/plain"] and "<progress" not in final["text/html"],
              f"the finished progress bar is replaced by one line ({final['text/plain']!r})")

    reply, outputs = run_cell(kc, "des Pixels_Areas")
    check(reply["status"] == "error" and reply["ename"] == "UsageError" and "unknown command 'des'" in reply["evalue"]
          and "did you mean 'describe'?" in reply["evalue"],
          "a command-name prefix in a cell is refused with did-you-mean (prefixes are for the interactive prompt)")

    for chart in ["corr top=3", "hist Steel_Plate_Thickness"]:
        _, outputs = run_cell(kc, chart)
        check(any("image/png" in m["content"].get("data", {}) for m in outputs), f"{chart} shows a PNG")

    reply, outputs = run_cell(kc, "counts Lable")
    check(reply["status"] == "error" and reply["ename"] == "EngineError", "an error reply")
    check("In[7]:1:8: error: unknown column 'Lable'; did you mean 'Label'?" in reply["evalue"] and "^^^^^" in reply["evalue"],
          "evalue carries the caret diagnostic")
    errors = [m for m in outputs if m["msg_type"] == "error"]
    check(len(errors) == 1 and any("^^^^^" in line for line in errors[0]["content"]["traceback"]), "an error message on iopub with the caret")

    first = kc.execute("frobnicate")
    second = kc.execute("tables")
    replies = {}
    while len(replies) < 2:
        message = kc.get_shell_msg(timeout=30)
        replies[message["parent_header"]["msg_id"]] = message["content"]
    check(replies[first]["status"] == "error" and replies[second]["status"] == "aborted", "stop_on_error aborts the queued cell")
    first = kc.execute("frobnicate", stop_on_error=False)
    second = kc.execute("tables")
    replies = {}
    while len(replies) < 2:
        message = kc.get_shell_msg(timeout=30)
        replies[message["parent_header"]["msg_id"]] = message["content"]
    check(replies[first]["status"] == "error" and replies[second]["status"] == "ok",
          f"stop_on_error=False runs the queued cell ({replies[first]['status']}, {replies[second]['status']})")
    drain(kc)

    _, outputs = run_cell(kc, "keep top=3 by=Label exclude=Other_Faults\ncompare models=lr,nb,dt folds=5")
    progress = [m for m in outputs if m["msg_type"] in ("display_data", "update_display_data")
                and m["content"].get("transient", {}).get("display_id", "").startswith("plateshell-progress")]
    ids = {m["content"]["transient"]["display_id"] for m in progress}
    check(len(progress) >= 2 and progress[0]["msg_type"] == "display_data" and progress[-1]["msg_type"] == "update_display_data"
          and len(ids) == 1, f"compare's progress is one display, updated ({len(progress)} messages)")
    check(len(progress) <= 40 and "15/15" in progress[-1]["content"]["data"]["text/plain"], "progress updates are throttled and end at 15/15")
    check(not any(m["msg_type"] == "stream" for m in outputs), "no stream lines for progress")

    code = "## Épaisseur « plaque »\ndescribe Pix"
    kc.complete(code, len(code))
    completion = kc.get_shell_msg(timeout=10)["content"]
    start = len("## Épaisseur « plaque »\ndescribe ")
    check(completion["matches"] == ["Pixels_Areas"] and completion["cursor_start"] == start and completion["cursor_end"] == len(code),
          f"complete: the column, cursor in code points ({completion['cursor_start']}..{completion['cursor_end']})")
    kc.complete("desc", 4)
    check(kc.get_shell_msg(timeout=10)["content"]["matches"] == ["describe"], "complete: a command name")

    kc.inspect("help pca", 7)
    inspection = kc.get_shell_msg(timeout=10)["content"]
    check(inspection["found"] and inspection["data"]["text/plain"].startswith("usage: pca"), "inspect: help for the command")

    for code, status in [("describe", "complete"), ("sql", "incomplete"), ("tune et iters=1 \\", "incomplete"),
                         ('model m description="open', "incomplete"), ("sql select 1;", "complete")]:
        kc.is_complete(code)
        check(kc.get_shell_msg(timeout=10)["content"]["status"] == status, f"is_complete {code!r}: {status}")

    kc.history(hist_access_type="tail", n=50)
    history = [entry[2] for entry in kc.get_shell_msg(timeout=10)["content"]["history"]]
    check("load data/faults.csv as fsp.faults" in history and "counts Lable" in history, "history: the cells run")

    kc.comm_info()
    check(kc.get_shell_msg(timeout=10)["content"] == {"status": "ok", "comms": {}}, "comm_info: no comms")

    unknown = kc.session.msg("frobnicate_request", {})
    kc.shell_channel.send(unknown)
    reply = kc.get_shell_msg(timeout=10)
    check(reply["msg_type"] == "frobnicate_reply" and reply["content"]["status"] == "error", "an unknown request gets an error reply")

    kc.control_channel.send(kc.session.msg("complete_request", {"code": "desc", "cursor_pos": 4}))
    reply = kc.control_channel.get_msg(timeout=10)
    check(reply["content"]["status"] == "error" and reply["content"]["ename"] == "WrongChannel",
          "the control channel refuses what belongs on the shell channel (the session is the shell thread's)")

    kc.shell_channel.socket.send_multipart([b"no delimiter", b"{}"])
    forged = Session(key=b"not-the-key", username="intruder")
    forged.send(kc.shell_channel.socket, "execute_request",
                {"code": "load data/faults.csv as fsp.forged", "silent": False, "store_history": True,
                 "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    try:
        kc.get_shell_msg(timeout=2)
        check(False, "a forged message gets no reply")
    except queue.Empty:
        check(True, "a forged message gets no reply")
    _, outputs = run_cell(kc, "tables")
    listing = "".join(m["content"]["data"].get("text/plain", "") for m in outputs if m["msg_type"] == "execute_result")
    check("fsp.faults" in listing and "fsp.forged" not in listing, "the forged command was not executed; the kernel still answers")

    captured = kc.session.msg("execute_request", {"code": "tables", "silent": False, "store_history": True,
                                                  "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    frames = kc.session.serialize(captured)
    kc.shell_channel.socket.send_multipart(frames)
    first = kc.get_shell_msg(timeout=60)["content"]
    check(first["status"] == "ok", "a validly signed message runs once")
    kc.shell_channel.socket.send_multipart(frames)
    try:
        kc.get_shell_msg(timeout=2)
        check(False, "the same message sent again (a replayed signature) gets no reply")
    except queue.Empty:
        check(True, "the same message sent again (a replayed signature) gets no reply")
    drain(kc)
    reply, _ = run_cell(kc, "tables")
    check(reply["execution_count"] == first["execution_count"] + 1,
          f"the replayed cell did not run again (execution count {first['execution_count']}, then {reply['execution_count']})")

    tune = kc.execute("tune gbm iters=200")
    time.sleep(2.0)
    interrupted = time.perf_counter()
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=60)["content"]
    check(reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt" and time.perf_counter() - interrupted < 15,
          f"interrupt stops tune ({time.perf_counter() - interrupted:.1f} s)")
    updates = []
    try:
        while True:
            message = kc.get_iopub_msg(timeout=0.5)
            if message["parent_header"].get("msg_id") == tune and "display_id" in message["content"].get("transient", {}):
                updates.append(message["content"]["data"]["text/plain"])
    except queue.Empty:
        pass
    check(bool(updates) and updates[-1].startswith("tune gbm: interrupted at ") and "/1000 after " in updates[-1],
          f"the interrupted progress bar is replaced by one line ({updates[-1:]!r})")
    reply, outputs = run_cell(kc, "state")
    state = "".join(m["content"]["data"].get("text/plain", "") for m in outputs if m["msg_type"] == "execute_result")
    check(reply["status"] == "ok" and "fsp.faults" in state and "keep Label in Bumps,K_Scatch,Z_Scratch" in state,
          "after the interrupt the next cell sees the session (its frame and steps)")

    pid = km.provisioner.process.pid
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=30)
    check(km.provisioner.process.pid != pid, "restart starts a new kernel process")
    reply, outputs = run_cell(kc, "state\ntables")
    text = "".join(m["content"]["data"].get("text/plain", "") for m in outputs if m["msg_type"] in ("display_data", "execute_result"))
    check(reply["execution_count"] == 1 and "No current frame" in text and "fsp.faults" in text,
          "after restart: a fresh session on the same workspace")

    process = km.provisioner.process
    km.shutdown_kernel(now=False)
    check(process.poll() == 0, f"shutdown: the kernel exits 0 ({process.poll()})")

    kc.stop_channels()
    km = KernelManager(kernel_name="plateshell")
    km.start_kernel(cwd=str(work), stderr=log)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=30)
    process = km.provisioner.process
    reply, outputs = run_cell(kc, "quit", timeout=30)
    try:
        status = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        status = None
    check(reply["payload"] == [{"source": "ask_exit", "keepkernel": False}] and status == 0,
          f"quit in a cell asks the front end to close and ends the kernel ({status})")
    check(outputs[-1]["content"] == {"execution_state": "idle"}, "the kernel goes idle before it ends")
    return km, kc


def workspace_option(binary, work):
    """`plateshell --workspace W kernel -f CONN` and `plateshell kernel --workspace W -f CONN` use W."""
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    for name, arguments in [("before", ["--workspace", str(work / "W-before"), "kernel"]),
                            ("after", ["kernel", "--workspace", str(work / "W-after")])]:
        connection = str(work / f"connection-{name}.json")
        write_connection_file(connection)
        process = subprocess.Popen([binary, *arguments, "-f", connection], cwd=elsewhere, stderr=subprocess.DEVNULL)
        kc = BlockingKernelClient(connection_file=connection)
        kc.load_connection_file()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=30)
            reply, _ = run_cell(kc, f"load {work / 'data' / 'faults.csv'} as fsp.w", timeout=60)
            run_cell(kc, "quit", timeout=30)
            process.wait(timeout=10)
        finally:
            kc.stop_channels()
            if process.poll() is None:
                process.kill()
        tables = list((work / f"W-{name}").glob("tables/*"))
        check(reply["status"] == "ok" and tables and not (elsewhere / "plateshell-workspace").exists(),
              f"--workspace {name} 'kernel' is the kernel's workspace ({len(tables)} files in it)")


def drain(kc):
    """Reads iopub until it is quiet for half a second."""
    try:
        while True:
            kc.get_iopub_msg(timeout=0.5)
    except queue.Empty:
        pass


if __name__ == "__main__":
    main()
