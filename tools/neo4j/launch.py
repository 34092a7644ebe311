#!/usr/bin/env python3
"""Start a real Neo4j 5.26 Community server on 127.0.0.1 for tests or local use, without Docker.

Neo4j comes from Maven Central as the `org.neo4j:neo4j` artifacts (see pom.xml beside this
file); Maven caches them in the local repository, so only the first start downloads. The
server keeps its data in a temporary folder and prints its bolt URI when ready. Its memory is
small by default (1 GB heap, 512 MiB page cache); for a large graph set CROSSAUDIT_NEO4J_HEAP
(a JVM size, e.g. 4g) and CROSSAUDIT_NEO4J_PAGECACHE_MB.

    python tools/neo4j/launch.py            # prints bolt://127.0.0.1:PORT, Ctrl-C stops it
    python tools/neo4j/launch.py --home ./graph --port 7687   # data kept in ./graph across starts

The same class path holds `neo4j-admin` (org.neo4j.cli.AdminTool, with the import tool of
org.neo4j:neo4j-import-tool): `admin(home, [...])` runs it on the database in a home folder,
e.g. `database import full` before the first start (crossaudit's bulk load does that).

From Python (the test suite does this):

    with Neo4jServer.start() as server:
        print(server.uri)
"""
from __future__ import annotations

import argparse
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


def _heap() -> str:
    return f"-Xmx{os.environ.get('CROSSAUDIT_NEO4J_HEAP', '1g')}"


def admin(home: Path, arguments: list[str]) -> str:
    """Run `neo4j-admin ARGUMENTS` on the Neo4j home folder `home` (its databases under
    home/data, as the server below keeps them); its output, or LaunchError with its tail.

        admin(Path("graph"), ["database", "import", "full", "@import/import.args", "neo4j"])"""
    classpath, _ = prepare()
    (home / "conf").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NEO4J_HOME": str(home.resolve()), "NEO4J_CONF": str((home / "conf").resolve())}
    result = subprocess.run(["java", _heap(), "-XX:+UseG1GC", "-cp", classpath, "org.neo4j.cli.AdminTool",
                             *arguments], capture_output=True, text=True, env=env, cwd=home)  # its report lands there
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-25:]
        raise LaunchError(f"neo4j-admin {' '.join(arguments[:3])} failed:\n" + "\n".join(tail))
    return result.stdout + result.stderr


class Neo4jServer:
    """A running server; `stop()` (or leaving the `with` block) shuts it down and removes its data,
    unless it was started over a home folder of its own (`start(home=…)`), which is kept."""

    def __init__(self, process: subprocess.Popen, uri: str, data_dir: Path, output: deque, keep: bool = False):
        self.process, self.uri, self.data_dir, self._output, self.keep = process, uri, data_dir, output, keep

    @classmethod
    def start(cls, timeout: float = 180.0, home: Path | None = None, port: int | None = None) -> "Neo4jServer":
        classpath, classes = prepare()
        keep = home is not None
        data_dir = Path(home).resolve() if keep else Path(tempfile.mkdtemp(prefix="crossaudit-neo4j-"))
        data_dir.mkdir(parents=True, exist_ok=True)
        port = port or free_port()
        java = [
            "java", "-Xms256m", _heap(), "-XX:+UseG1GC",
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
            if not keep:
                shutil.rmtree(data_dir, ignore_errors=True)
            raise LaunchError("Neo4j did not start within %.0f s; its last output:\n%s"
                              % (timeout, "\n".join(output)))
        return cls(process, found[0], data_dir, output, keep)

    def stop(self, timeout: float = 60.0) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()  # the server shuts down when its stdin closes
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> "Neo4jServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(server: Neo4jServer) -> None:
    """Wait until Ctrl-C (or SIGTERM), then stop the server."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="keep the server's data in this folder (a Neo4j home: its "
                        "databases under data/), across starts; default: a temporary folder removed on stop")
    parser.add_argument("--port", type=int, help="bolt port on 127.0.0.1; default: a free one")
    args = parser.parse_args()
    started = time.monotonic()
    try:
        server = Neo4jServer.start(home=args.home, port=args.port)
    except LaunchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(server.uri, flush=True)
    kept = f"; its data stays in {server.data_dir}" if server.keep else ""
    print(f"Neo4j ready in {time.monotonic() - started:.1f} s{kept}; Ctrl-C stops it", file=sys.stderr)
    serve(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
