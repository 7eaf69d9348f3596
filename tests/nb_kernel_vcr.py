"""Test-only kernel hook: the notebook kernel's HTTP goes through a vcrpy cassette.

pytest-recording only patches the pytest process, and a notebook runs in a
separate kernel process. ``tests/test_notebook.py`` starts that kernel with
``tests/`` on ``PYTHONPATH`` and ``--IPKernelApp.exec_lines=import nb_kernel_vcr``,
so this module is imported before the first cell and puts every request the
notebook makes through a cassette, with the suite's matching and scrubbing
(``conftest.scrub_request`` / ``scrub_response``: no key reaches the file).

Environment, set by the test:

``NB_VCR_CASSETTE``
    the cassette file.
``NB_VCR_RECORD_MODE``
    pytest-recording's ``--record-mode``: ``none`` replays only (a request with
    no recording fails the cell; nothing connects), ``rewrite`` records afresh,
    ``once`` / ``new_episodes`` / ``all`` as in vcrpy.
``NB_VCR_REPORT``
    a JSON file rewritten after every cell with what the cassette saw, so the
    test can tell that the hook ran and that every recording was replayed.

The cassette is saved after every cell (and at exit), so a kernel that is shut
down abruptly still leaves its recording behind.
"""

from __future__ import annotations

import atexit
import json
import os
from pathlib import Path
from typing import Any

import vcr
from conftest import _json_body, scrub_request, scrub_response

_VCR_MODES = {"none", "once", "new_episodes", "all"}


def _record_mode(cassette: Path) -> str:
    mode = os.environ.get("NB_VCR_RECORD_MODE", "none")
    if mode == "rewrite":  # pytest-recording's mode: start from an empty cassette
        cassette.unlink(missing_ok=True)
        return "new_episodes"
    if mode not in _VCR_MODES:
        raise ValueError(f"NB_VCR_RECORD_MODE={mode!r}: expected rewrite or one of {sorted(_VCR_MODES)}")
    return mode


def _activate() -> Any:
    path = Path(os.environ["NB_VCR_CASSETTE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    recorder = vcr.VCR(
        record_mode=_record_mode(path),
        match_on=["method", "path", "json_body"],  # as conftest.vcr_config: host and port vary
        before_record_request=scrub_request,
        before_record_response=scrub_response,
        decode_compressed_response=True,
    )
    recorder.register_matcher("json_body", _json_body)
    context = recorder.use_cassette(str(path))
    return context, context.__enter__()


_context, cassette = _activate()


def report() -> dict[str, Any]:
    """What the cassette has seen so far."""
    return {
        "cassette": str(getattr(cassette, "path", None) or cassette._path),  # vcrpy < 9 has only _path
        "record_mode": getattr(cassette.record_mode, "value", str(cassette.record_mode)),
        "interactions": len(cassette),
        "played": cassette.play_count,
        "all_played": cassette.all_played,
    }


def save(*_: object) -> None:
    """Write the cassette if it recorded something new, and the report."""
    cassette._save()
    if target := os.environ.get("NB_VCR_REPORT"):
        Path(target).write_text(json.dumps(report()), encoding="utf-8")


def _register() -> None:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.events.register("post_run_cell", save)
    atexit.register(save)
    save()


_register()
