"""wrk for the serving benchmarks: a Lua script that POSTs one JSON body, a run, and its figures parsed.

Every run is 1 thread and 8 connections, on a 2-core machine shared by wrk and the server.
"""
import re
import subprocess
import sys

WRK_THREADS, WRK_CONNECTIONS = 1, 8


def wrk_script(payload, path):
    """A wrk Lua script POSTing the JSON body (in a long bracket whose level the body does not contain)."""
    level = 0
    while f"]{'=' * level}]" in payload:
        level += 1
    with open(path, "w") as f:
        f.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = [{'=' * level}[{payload}]{'=' * level}]\n")
    return path


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}[unit]


def parse_wrk(output):
    requests = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+([0-9.]+)(us|ms|s|m|h)\s*$", output, re.M)
    p99 = re.search(r"^\s+99%\s+([0-9.]+)(us|ms|s|m|h)\s*$", output, re.M)
    if not (requests and p50 and p99):
        return None
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {"rps": float(requests.group(1)), "p50": to_ms(*p50.groups()), "p99": to_ms(*p99.groups()),
            "requests": int(total.group(1)) if total else 0,
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0}


def run_wrk(url, script, seconds):
    """Drives URL/invocations with SCRIPT for SECONDS; returns requests/s, p50 and p99 (ms) and the error counts."""
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", script, f"{url}/invocations"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    measured = parse_wrk(result.stdout)
    if result.returncode != 0 or measured is None:
        sys.exit(f"wrk failed ({result.returncode}) on {url}:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return measured
