"""Hosts a test or benchmark makes for itself: network namespaces joined by veth pairs to a bridge in a
namespace of their own (10.77.0.0/24), never an address outside them. Where namespaces cannot be made
(not root, no CAP_NET_ADMIN), every host is loopback and `isolated` is False, with the `reason`."""
import subprocess
import sys
import time
import uuid

from peers import log_tail


class Hosts:
    """Network namespaces on one bridge, or — when they cannot be made — loopback."""

    def __init__(self, names):
        self.tag = uuid.uuid4().hex[:6]
        self.names = names
        self.namespaces = []
        self.address = {}
        try:
            self._make()
            self.isolated = True
        except (subprocess.CalledProcessError, FileNotFoundError, PermissionError) as error:
            self.delete()
            self.isolated = False
            self.reason = str(error)
            self.address = {name: "127.0.0.1" for name in names}

    def _ip(self, *args):
        subprocess.run(["ip", *args], check=True, capture_output=True)

    def _make(self):
        hub = f"ps{self.tag}hub"
        self._ip("netns", "add", hub)
        self.namespaces.append(hub)
        self._ip("-n", hub, "link", "add", "br0", "type", "bridge")
        self._ip("-n", hub, "link", "set", "br0", "up")
        for index, name in enumerate(self.names, start=1):
            namespace, veth, peer = f"ps{self.tag}{name}", f"ps{self.tag}v{index}", f"ps{self.tag}p{index}"
            self._ip("netns", "add", namespace)
            self.namespaces.append(namespace)
            self._ip("link", "add", veth, "type", "veth", "peer", "name", peer)
            self._ip("link", "set", veth, "netns", namespace)
            self._ip("link", "set", peer, "netns", hub)
            self._ip("-n", hub, "link", "set", peer, "master", "br0")
            self._ip("-n", hub, "link", "set", peer, "up")
            address = f"10.77.0.{index}"
            self._ip("-n", namespace, "addr", "add", f"{address}/24", "dev", veth)
            self._ip("-n", namespace, "link", "set", veth, "up")
            self._ip("-n", namespace, "link", "set", "lo", "up")
            self.address[name] = address

    def prefix(self, name):
        """The command prefix that runs something on host NAME."""
        return ["ip", "netns", "exec", f"ps{self.tag}{name}"] if self.isolated else []

    def delete(self):
        for namespace in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        self.namespaces = []


def on_host(hosts, name, command, **kwargs):
    """Runs COMMAND on host NAME and returns the completed process (output captured as text)."""
    return subprocess.run(hosts.prefix(name) + command, capture_output=True, text=True, timeout=600, **kwargs)


def wait(ready, what, log, process=None, timeout=180):
    """Polls READY until it is true; exits naming WHAT and the end of LOG when PROCESS exits or TIMEOUT passes."""
    started = time.time()
    while time.time() - started < timeout:
        if process is not None and process.poll() is not None:
            sys.exit(f"{what} exited ({process.returncode}):\n{log_tail(log)}")
        if ready():
            return
        time.sleep(0.3)
    sys.exit(f"{what} did not answer within {timeout} s:\n{log_tail(log)}")
