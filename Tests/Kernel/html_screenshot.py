"""Exported HTML replays in headless Chromium (Debian's chromium), driven over the DevTools protocol:
the page is loaded from its file at 1280 px wide; every request it makes is recorded (only the
file itself and data: URIs may be loaded: nothing from the network); every chart image has loaded
and its region of a screenshot is not blank; a screenshot of the first screen is kept.

Usage: html_screenshot.py OUTPUT_DIR PAGE.html ...
"""
import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket
from PIL import Image

WIDTH = 1280
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, url):
        self.socket = websocket.create_connection(url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def wait_for(self, event, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(e.get("method") == event for e in self.events):
                return
            self.events.append(json.loads(self.socket.recv()))
        raise RuntimeError(f"no {event} within {timeout} s")


def start_chromium(profile):
    process = subprocess.Popen(
        ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         f"--window-size={WIDTH},900", "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = Path(profile) / "DevToolsActivePort"
    deadline = time.time() + 60
    while not port_file.exists() or not port_file.read_text().strip():
        if time.time() > deadline or process.poll() is not None:
            raise RuntimeError("chromium did not start its DevTools endpoint")
        time.sleep(0.1)
    port = port_file.read_text().split()[0]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    targets = json.loads(opener.open(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
    page = next(t for t in targets if t["type"] == "page")
    return process, page["webSocketDebuggerUrl"]


def check_page(path, out, devtools):
    devtools.events.clear()
    devtools.call("Network.enable")
    devtools.call("Page.enable")
    devtools.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=900, deviceScaleFactor=1, mobile=False)
    devtools.call("Page.navigate", url=path.resolve().as_uri())
    devtools.wait_for("Page.loadEventFired")
    urls = [e["params"]["request"]["url"] for e in devtools.events if e.get("method") == "Network.requestWillBeSent"]
    fetched = [u for u in urls if not (u.startswith("file:") or u.startswith("data:"))]
    check(not fetched, f"{path.name}: nothing fetched from the network ({len(urls)} requests, all file: or data:)"
          + (f"; fetched {fetched[:3]}" if fetched else ""))
    rects = json.loads(devtools.call("Runtime.evaluate", returnByValue=True, expression="""JSON.stringify(
        [...document.images].map(i => { const r = i.getBoundingClientRect();
          return [r.left, r.top + window.scrollY, r.width, r.height, i.complete && i.naturalWidth > 0]; }))""")["result"]["value"])
    width = devtools.call("Runtime.evaluate", returnByValue=True, expression="document.documentElement.scrollWidth")["result"]["value"]
    check(all(r[4] for r in rects), f"{path.name}: {len(rects)} chart images, all loaded")
    check(width <= WIDTH, f"{path.name}: the page fits {WIDTH} px ({width} px wide)")
    shot = devtools.call("Page.captureScreenshot", format="png")
    (out / (path.stem + ".png")).write_bytes(base64.b64decode(shot["data"]))
    blank = []
    for index, (left, top, w, h, _) in enumerate(rects):
        clip = {"x": left, "y": top, "width": max(w, 1), "height": max(h, 1), "scale": 1}
        data = devtools.call("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)["data"]
        image = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
        colours = image.getcolors(maxcolors=1 << 20) or []
        inked = sum(count for count, rgb in colours if sum(rgb) < 600) / max(1, image.width * image.height)
        if len(colours) < 8 or inked < 0.005:
            blank.append(index)
        if index == 0:
            image.save(out / (path.stem + "-chart1.png"))
    check(not blank, f"{path.name}: every chart region of the screenshot shows a drawing" + (f" (blank: {blank})" if blank else ""))
    return len(rects)


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="plateshell-chromium-")
    process, url = start_chromium(profile)
    try:
        devtools = DevTools(url)
        charts = sum(check_page(Path(page), out, devtools) for page in sys.argv[2:])
        check(charts > 0, f"the pages hold {charts} charts in all")
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)
    if failures:
        print("\n".join("FAIL " + f for f in failures))
        sys.exit(1)
    print(f"html pages: all checks passed (screenshots in {out})")


if __name__ == "__main__":
    main()
