"""Helpers shared by the kernel tests and the kernel benchmark: installing the PlateShell kernelspec
into a prefix Jupyter searches, and running a cell with jupyter_client, collecting its iopub messages.

Import it with (N the script's depth below the project root):

    sys.path.insert(0, str(Path(__file__).resolve().parents[N] / "scripts" / "lib"))
    from kernel_client import install_kernel, run_cell  # noqa: E402
"""
import os
import subprocess


def install_kernel(binary, prefix):
    """`plateshell kernel install --prefix PREFIX`; returns an environment whose JUPYTER_PATH finds it."""
    subprocess.run([binary, "kernel", "install", "--prefix", str(prefix)], check=True, capture_output=True, text=True)
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [f"{prefix}/share/jupyter", env.get("JUPYTER_PATH")]))
    return env


def run_cell(kc, code, timeout=600, **options):
    """Executes `code`; returns its execute_reply content and every iopub message it caused, up to idle."""
    msg_id = kc.execute(code, **options)
    messages = []
    while True:
        message = kc.get_iopub_msg(timeout=timeout)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply["content"], messages
