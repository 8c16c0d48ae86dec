"""Finding and running the `agora` binary from Python."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path


class AgoraError(RuntimeError):
    """`agora` refused or failed: the message is its own (for a bad scenario, file:line:col and
    the field), so it says what to fix."""

    def __init__(self, message: str, command: list[str] | None = None, status: int | None = None):
        super().__init__(message)
        self.command = command
        self.status = status


def binary() -> str:
    """The `agora` binary: $AGORA_BINARY, else `agora` on PATH, else the release (then debug)
    build of the checkout this package lives in."""
    given = os.environ.get("AGORA_BINARY")
    if given:
        if not (Path(given).is_file() and os.access(given, os.X_OK)):
            raise AgoraError(f"AGORA_BINARY is {given}, which is not an executable file")
        return given
    found = shutil.which("agora")
    if found:
        return found
    checkout = Path(__file__).resolve().parents[2]
    for build in ("release", "debug"):
        candidate = checkout / ".build" / build / "agora"
        if candidate.is_file():
            return str(candidate)
    raise AgoraError("cannot find the agora binary: build it (make run, or swift build -c release), "
                     "put it on PATH, or set AGORA_BINARY")


def call(*args, catalog=None, cwd=None, check=True) -> subprocess.CompletedProcess:
    """Runs `agora ARGS…` and returns the finished process (stdout and stderr as text). A non-zero
    exit raises AgoraError carrying agora's own error lines."""
    command = [binary(), *map(str, args)]
    env = dict(os.environ)
    if catalog is not None:
        env["AGORA_CATALOG"] = str(catalog)
    try:
        p = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as e:
        raise AgoraError(f"cannot start {command[0]}: {e.strerror}", command) from e
    try:
        stdout, stderr = p.communicate()
    except KeyboardInterrupt:
        # Interrupted (a notebook's stop button): agora stops as on Ctrl-C — a sweep stops its
        # runs and records them as interrupted — before the interrupt goes on.
        p.send_signal(signal.SIGINT)
        try:
            p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        raise
    done = subprocess.CompletedProcess(command, p.returncode, stdout, stderr)
    if check and done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error")] or lines[-5:]
        raise AgoraError("\n".join(errors) or f"agora exited with status {done.returncode}", command, done.returncode)
    return done
