"""A throw-away Neo4j 5.26 Community server on loopback, for the tests and the benchmark.

    python3 tools/neo4j/server.py fetch              # jars from Maven Central, javac
    python3 tools/neo4j/server.py start [--port P]   # background; waits for Bolt; pid file
    python3 tools/neo4j/server.py stop
    python3 tools/neo4j/server.py status
    python3 tools/neo4j/server.py run -- CMD ...     # start, run CMD with NEO4J_URI, stop

Standard library only (it runs before the project's virtualenv matters).

Decisions:

* **Embedded DBMS, not the harness**: ``org.neo4j:neo4j`` (``DatabaseManagementServiceBuilder``)
  already carries the Bolt server; ``neo4j-harness`` would add an HTTP server and test
  helpers nobody here uses. ``Neo4jServer.java`` is the whole launcher; Maven only fetches
  jars (``pom.xml``), ``javac`` compiles the launcher.
* **Loopback, no auth, heap capped** (``-Xmx1g``, page cache 512 MiB): a test server on a
  shared 2-core machine. Tests empty the database, so nothing secret ever lives there.
* **A fresh data directory per start** (``run/data-<slot>-<port>``), deleted at stop: every
  run starts from an empty database, and what a killed run left is removed by the next start.
* **Two kinds of server**: ``start``/``stop`` manage the one of ``make neo4j`` (state in
  ``run/server.json``, pid in ``run/server.pid``); ``run`` starts and stops one of its own
  (``run/test-<pid>.*``), so ``make test`` never reuses nor stops a developer's server.
* **A free port by default**: several checkouts on one machine can each run ``make test``;
  ``--port`` (``NEO4J_PORT`` in the Makefile) fixes it for a developer's own tools.
* **Ready means Bolt answers**: the script performs a Bolt handshake (not just a TCP
  connect) before reporting the server up, within ``--timeout`` seconds, and gives up early
  if the JVM exits.
* **Stop is always attempted** by ``run`` (``finally``, and on SIGTERM/SIGINT): SIGTERM lets
  the JVM's shutdown hook close the DBMS; after ``--grace`` seconds it is killed.
* Missing ``java``/``javac``/``mvn`` is one line on stderr and exit code 2, never a hang.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LIB = HERE / "lib"
BUILD = HERE / "build"
RUN = HERE / "run"
#: the server of ``start``/``stop`` (``make neo4j``); ``run`` keeps one of its own
DEV_SLOT = "server"
SOURCE = HERE / "Neo4jServer.java"
MAIN_CLASS = "Neo4jServer"
HEAP = os.environ.get("NEO4J_HEAP", "1g")
PAGECACHE_MB = os.environ.get("NEO4J_PAGECACHE_MB", "512")
JVM_FLAGS = [
    f"-Xmx{HEAP}",
    "-Xms256m",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    # what Neo4j's own scripts open: the page cache's direct buffers
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dfile.encoding=UTF-8",
]
#: Bolt handshake: the magic, then four version proposals (5.4 down to 5.0, 4.4, none, none)
HANDSHAKE = b"\x60\x60\xb0\x17" + b"\x00\x04\x04\x05" + b"\x00\x00\x04\x04" + bytes(8)


class Failed(Exception):
    """A one-line reason the server cannot be fetched, started or stopped."""


def neo4j_version() -> str:
    text = (HERE / "pom.xml").read_text(encoding="utf-8")
    found = re.search(r"<neo4j\.version>([^<]+)</neo4j\.version>", text)
    if not found:
        raise Failed("tools/neo4j/pom.xml names no neo4j.version")
    return found[1]


def _need(tool: str, why: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise Failed(
            f"{tool} not found: {why} (install a JDK 17+ and Maven, or run `make test NEO4J=off`)"
        )
    return path


# --------------------------------------------------------------------------- fetch


def fetch(quiet: bool = False) -> None:
    """The jars (Maven Central, once per version) and the compiled launcher."""
    version = neo4j_version()
    stamp = LIB / ".version"
    if not (stamp.exists() and stamp.read_text().strip() == version):
        mvn = _need("mvn", "Maven fetches Neo4j's jars")
        _need("java", "Neo4j runs on Java")
        if not quiet:
            print(f"fetching Neo4j {version} from Maven Central into {LIB} ...", flush=True)
        started = time.monotonic()
        if LIB.exists():
            shutil.rmtree(LIB)
        cmd = [
            *(mvn, "-q", "-B", "-f", str(HERE / "pom.xml")),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={LIB}",
            "-DincludeScope=runtime",
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            tail = " ".join((done.stdout + done.stderr).split())[-400:]
            raise Failed(f"mvn could not fetch Neo4j {version}: {tail}")
        stamp.write_text(version + "\n")
        if not quiet:
            print(f"fetched in {time.monotonic() - started:.0f} s", flush=True)
    compiled = BUILD / f"{MAIN_CLASS}.class"
    if not compiled.exists() or compiled.stat().st_mtime < max(
        SOURCE.stat().st_mtime, stamp.stat().st_mtime
    ):
        javac = _need("javac", "the launcher is compiled with the JDK's javac")
        BUILD.mkdir(exist_ok=True)
        cmd = [javac, "-nowarn", "-cp", f"{LIB}/*", "-d", str(BUILD), str(SOURCE)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise Failed(f"javac failed: {' '.join(done.stderr.split())[:400]}")


# --------------------------------------------------------------------------- state


def _state_file(slot: str) -> Path:
    """Pid, port, URI and data directory of the server of ``slot`` (``<slot>.pid``: the pid)."""
    return RUN / f"{slot}.json"


def _read_state(slot: str = DEV_SLOT) -> dict[str, Any] | None:
    try:
        return json.loads(_state_file(slot).read_text())
    except (OSError, ValueError):
        return None


def _write_state(slot: str, state: dict[str, Any]) -> None:
    _state_file(slot).write_text(json.dumps(state, indent=2) + "\n")
    (RUN / f"{slot}.pid").write_text(f"{state['pid']}\n")


def _ours(pid: int) -> bool:
    """Whether ``pid`` is a live launcher of this checkout (not a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc (not Linux): trust the pid file
    return MAIN_CLASS.encode() in cmdline and str(RUN).encode() in b" ".join(cmdline)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bolt_answers(port: int, timeout_s: float = 2.0) -> bool:
    """True when a Bolt server on 127.0.0.1:``port`` agrees on a protocol version."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as s:
            s.sendall(HANDSHAKE)
            reply = b""
            while len(reply) < 4:
                chunk = s.recv(4 - len(reply))
                if not chunk:
                    return False
                reply += chunk
            return reply != b"\0\0\0\0"
    except OSError:
        return False


# --------------------------------------------------------------------------- start / stop


def start(port: int | None, timeout_s: float, slot: str = DEV_SLOT) -> dict[str, Any]:
    """Start the server of ``slot`` in the background; its state once Bolt answers (the
    running one if there is one)."""
    state = _read_state(slot)
    if state and _ours(state["pid"]):
        if bolt_answers(state["port"]):
            return state
        raise Failed(
            f"a Neo4j launcher (pid {state['pid']}) is running but not answering;"
            " run `make neo4j-stop` first"
        )
    java = _need("java", "Neo4j runs on Java")
    fetch()
    RUN.mkdir(exist_ok=True)
    _clean_stale()
    port = port or free_port()
    data = RUN / f"data-{slot}-{port}"
    shutil.rmtree(data, ignore_errors=True)
    cmd = [
        *(java, *JVM_FLAGS, "-cp", f"{LIB}/*:{BUILD}", MAIN_CLASS),
        *(str(data), str(port), PAGECACHE_MB),
    ]
    log_file = RUN / f"{slot}.log"  # the JVM's output
    with log_file.open("w") as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal reaches it only through us
        )
    state = {
        "pid": proc.pid,
        "port": port,
        "uri": f"bolt://127.0.0.1:{port}",
        "data": str(data),
        "version": neo4j_version(),
        "started": time.time(),
    }
    _write_state(slot, state)
    deadline = time.monotonic() + timeout_s
    while not bolt_answers(port):
        if proc.poll() is not None:
            tail = " ".join(log_file.read_text(errors="replace").split())[-300:]
            _forget(slot, state)
            raise Failed(f"Neo4j exited with code {proc.returncode} while starting: {tail}")
        if time.monotonic() > deadline:
            stop(grace_s=10, slot=slot)
            raise Failed(f"Neo4j did not answer on port {port} within {timeout_s:.0f} s")
        time.sleep(0.5)
    state["ready_after_s"] = round(time.time() - state["started"], 1)
    _write_state(slot, state)
    return state


def stop(grace_s: float = 60, slot: str = DEV_SLOT) -> bool:
    """Stop the server of ``slot`` (SIGTERM, then SIGKILL); False if none was running."""
    state = _read_state(slot)
    if state is None:
        return False
    pid = state["pid"]
    running = _ours(pid)
    if running:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.1)
    _forget(slot, state)
    return running


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # our child: reap it
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    return _ours(pid)


def _forget(slot: str, state: dict[str, Any]) -> None:
    shutil.rmtree(state.get("data", ""), ignore_errors=True)
    _state_file(slot).unlink(missing_ok=True)
    (RUN / f"{slot}.pid").unlink(missing_ok=True)
    if slot != DEV_SLOT:  # make neo4j's log stays for reading after a stop
        (RUN / f"{slot}.log").unlink(missing_ok=True)


def _clean_stale() -> None:
    """What earlier servers left when they were killed (a killed ``make test``): their state
    and data directories; the servers still running keep theirs."""
    live = set()
    for file in RUN.glob("*.json"):
        slot = file.stem
        state = _read_state(slot)
        if state and _ours(state["pid"]):
            live.add(Path(state["data"]).name)
        else:
            _forget(slot, state or {})
    for old in RUN.glob("data-*"):
        # unreferenced, and not one a server is being started on right now
        if old.name not in live and time.time() - old.stat().st_mtime > 120:
            shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- run


def run(cmd: list[str], port: int | None, timeout_s: float) -> int:
    """Start the server, run ``cmd`` with ``NEO4J_URI`` set, stop the server whatever happens."""
    if not cmd:
        raise Failed("run: no command given (usage: server.py run -- CMD ...)")

    def on_signal(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    slot = f"test-{os.getpid()}"  # its own server: a `make neo4j` one is left alone
    try:
        state = start(port, timeout_s, slot)
        print(
            f"Neo4j {state['version']} Community on {state['uri']} (pid {state['pid']},"
            f" ready in {time.monotonic() - started:.0f} s)",
            flush=True,
        )
        env = {
            **os.environ,
            "NEO4J_URI": state["uri"],
            "PASSERELLE_REQUIRE_NEO4J": "1",
        }
        for name in ("NEO4J_PASSWORD", "NEO4J_DATABASE"):  # no auth, the default database
            env.pop(name, None)
        child = subprocess.Popen(cmd, env=env)
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
            return 130
    finally:
        stopping = time.monotonic()
        if stop(slot=slot):
            print(f"Neo4j stopped ({time.monotonic() - stopping:.0f} s)", flush=True)


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="fetch the jars and compile the launcher")
    for name in ("start", "run"):
        p = sub.add_parser(name)
        p.add_argument("--port", type=int, default=int(os.environ.get("NEO4J_PORT") or 0))
        p.add_argument("--timeout", type=float, default=180, help="seconds to wait for Bolt")
        if name == "run":
            p.add_argument("cmd", nargs=argparse.REMAINDER)
    sub.add_parser("stop")
    sub.add_parser("status")
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            fetch()
        elif args.command == "start":
            state = start(args.port or None, args.timeout)
            print(
                f"Neo4j {state['version']} Community on {state['uri']} (pid {state['pid']});"
                f" NEO4J_URI={state['uri']}; stop it with `make neo4j-stop`"
            )
        elif args.command == "stop":
            print("Neo4j stopped" if stop() else "no Neo4j server was running")
        elif args.command == "status":
            state = _read_state()
            if state and _ours(state["pid"]) and bolt_answers(state["port"]):
                print(f"running: {state['uri']} (pid {state['pid']})")
            else:
                print("not running")
                return 1
        else:
            cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
            return run(cmd, args.port or None, args.timeout)
    except Failed as exc:
        print(f"neo4j: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
