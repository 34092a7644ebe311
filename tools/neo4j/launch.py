#!/usr/bin/env python3
"""Start a real Neo4j 5.26 Community server on 127.0.0.1 for tests or local use, without Docker.

Neo4j comes from Maven Central as the `org.neo4j:neo4j` artifacts (see pom.xml beside this
file); Maven caches them in the local repository, so only the first start downloads. The
server keeps its data in a temporary folder and prints its bolt URI when ready. Its memory is
small by default (1 GB heap, 512 MiB page cache); for a large graph set CROSSAUDIT_NEO4J_HEAP
(a JVM size, e.g. 4g) and CROSSAUDIT_NEO4J_PAGECACHE_MB.

    python tools/neo4j/launch.py            # prints bolt://127.0.0.1:PORT, Ctrl-C stops it

From Python (the test suite does this):

    with Neo4jServer.start() as server:
        print(server.uri)
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("CROSSAUDIT_CACHE", Path.home() / ".cache" / "crossaudit")) / "neo4j"
READY = "NEO4J_READY "


class LaunchError(RuntimeError):
    """Neo4j could not be obtained or started; the message says why."""


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pom.xml", "Neo4jServer.java"):
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def _run(cmd: list[str], what: str) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
        raise LaunchError(f"{what} failed ({' '.join(cmd[:3])} …):\n" + "\n".join(tail))


def prepare() -> tuple[str, Path]:
    """Resolve Neo4j's class path with Maven and compile the launcher; cached by fingerprint."""
    for tool in ("mvn", "java", "javac"):
        if shutil.which(tool) is None:
            raise LaunchError(f"'{tool}' is not on PATH: Neo4j needs Java 17+ and Maven")
    build = CACHE / _fingerprint()
    classpath_file = build / "classpath.txt"
    classes = build / "classes"
    if not (classpath_file.exists() and (classes / "Neo4jServer.class").exists()):
        build.mkdir(parents=True, exist_ok=True)
        _run(["mvn", "-q", "-B", "-f", str(HERE / "pom.xml"), "dependency:build-classpath",
              f"-Dmdep.outputFile={classpath_file}"], "resolving Neo4j from Maven Central")
        classes.mkdir(exist_ok=True)
        _run(["javac", "-d", str(classes), "-cp", classpath_file.read_text().strip(),
              str(HERE / "Neo4jServer.java")], "compiling the Neo4j launcher")
    return classpath_file.read_text().strip(), classes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Neo4jServer:
    """A running server; `stop()` (or leaving the `with` block) shuts it down and removes its data."""

    def __init__(self, process: subprocess.Popen, uri: str, data_dir: Path, output: deque):
        self.process, self.uri, self.data_dir, self._output = process, uri, data_dir, output

    @classmethod
    def start(cls, timeout: float = 180.0) -> "Neo4jServer":
        classpath, classes = prepare()
        data_dir = Path(tempfile.mkdtemp(prefix="crossaudit-neo4j-"))
        port = free_port()
        java = [
            "java", "-Xms256m", f"-Xmx{os.environ.get('CROSSAUDIT_NEO4J_HEAP', '1g')}", "-XX:+UseG1GC",
            "-cp", f"{classes}{os.pathsep}{classpath}", "Neo4jServer", str(data_dir), str(port),
            os.environ.get("CROSSAUDIT_NEO4J_PAGECACHE_MB", "512"),
        ]
        process = subprocess.Popen(java, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, bufsize=1)
        output: deque = deque(maxlen=40)
        ready = threading.Event()
        found: list[str] = []

        def drain() -> None:
            for line in process.stdout:
                output.append(line.rstrip())
                if line.startswith(READY):
                    found.append(line[len(READY):].strip())
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        ready.wait(timeout)
        if not found:
            process.kill()
            shutil.rmtree(data_dir, ignore_errors=True)
            raise LaunchError("Neo4j did not start within %.0f s; its last output:\n%s"
                              % (timeout, "\n".join(output)))
        return cls(process, found[0], data_dir, output)

    def stop(self, timeout: float = 60.0) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()  # the server shuts down when its stdin closes
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> "Neo4jServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> int:
    started = time.monotonic()
    try:
        server = Neo4jServer.start()
    except LaunchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(server.uri, flush=True)
    print(f"Neo4j ready in {time.monotonic() - started:.1f} s; Ctrl-C stops it", file=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
