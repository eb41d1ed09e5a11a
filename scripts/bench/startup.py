"""Time from launch to the first interactive prompt: plateshell vs sqlite3 vs python3.

Each program runs under a pseudo-terminal (so it is interactive, as a user sees it) until its
prompt appears; the time is measured from fork to the prompt's bytes, then the program is killed.
Also times `python3 -c pass` (interpreter start and exit) as the issue asks. Prints medians of N runs.

Usage: startup.py PLATESHELL_BINARY [RUNS]
"""
import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def time_to_prompt(argv, prompt, env):
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, env)
    seen = b""
    try:
        while prompt not in seen:
            ready, _, _ = select.select([fd], [], [], 10)
            if not ready:
                raise RuntimeError(f"no prompt from {argv}: {seen[-200:]!r}")
            try:
                seen += os.read(fd, 4096)
            except OSError:
                raise RuntimeError(f"{argv} exited before its prompt: {seen[-200:]!r}")
        return time.perf_counter() - started
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def time_command(argv):
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    binary = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    env = dict(os.environ, TERM="xterm", NO_COLOR="1")
    with tempfile.TemporaryDirectory() as workspace:
        cases = [
            ("plateshell (to prompt)", lambda: time_to_prompt([binary, "--workspace", workspace], b"plate> ", env)),
            ("sqlite3 (to prompt)", lambda: time_to_prompt(["sqlite3"], b"sqlite> ", env)),
            ("python3 -i (to prompt)", lambda: time_to_prompt(["python3", "-i"], b">>> ", env)),
            ("python3 -c pass", lambda: time_command(["python3", "-c", "pass"])),
        ]
        results = {}
        for name, measure in cases:
            measure()  # warm the page cache
            results[name] = statistics.median(measure() for _ in range(runs))
    base = results["plateshell (to prompt)"]
    print(f"startup, median of {runs} runs")
    for name, seconds in results.items():
        print(f"  {name:<24} {seconds * 1000:7.1f} ms   {seconds / base:5.2f}x plateshell")


if __name__ == "__main__":
    main()
