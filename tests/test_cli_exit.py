"""The ``binational`` command ends without the interpreter's teardown (``cli._exit``): its output
is complete, its exit code kept, its atexit handlers and log handlers run, and a process with
another thread still running ends the usual way."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest


def _run(tmp_path, body: str, *, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    script = tmp_path / "cmd.py"
    script.write_text(textwrap.dedent(body))
    # stdout block-buffered, as on a pipe by default: what is not flushed is lost
    drop = ("BINATIONAL_FULL_EXIT", "PYTHONUNBUFFERED")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


_ENTRY = """
import atexit, logging, pathlib, sys
tmp = pathlib.Path(sys.argv[1])
atexit.register(lambda: (tmp / "atexit.txt").write_text("ran"))
handler = logging.FileHandler(tmp / "log.txt")
logging.getLogger("probe").addHandler(handler)
logging.getLogger("probe").warning("last words")
# a large output on a pipe (block-buffered): every byte must reach the reader
sys.stdout.write("x" * 200_000 + "\\n")
from binational.cli import entry
entry({argv})
raise SystemExit("entry() returned")
"""


@pytest.mark.parametrize("full", [False, True])
def test_the_command_ends_with_its_output_code_and_handlers(tmp_path, full):
    run = _run(
        tmp_path,
        _ENTRY.format(argv='["regions"]'),
        env_extra={"BINATIONAL_FULL_EXIT": "1"} if full else None,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "entry() returned" not in run.stderr
    assert run.stdout.startswith("x" * 200_000)
    assert "tijuana-san-diego" in run.stdout  # the command's own output, after the x's
    assert (tmp_path / "atexit.txt").read_text() == "ran"
    assert "last words" in (tmp_path / "log.txt").read_text()


def test_the_command_keeps_its_exit_code(tmp_path):
    run = _run(tmp_path, _ENTRY.format(argv='["summary", "no-such-region"]'))
    assert run.returncode == 2, (run.returncode, run.stderr[-2000:])
    assert "no-such-region" in run.stderr
    assert (tmp_path / "atexit.txt").read_text() == "ran"


def test_a_running_thread_is_awaited(tmp_path):
    """With another (non-daemon) thread still running, the process ends the usual way, which
    waits for the thread: os._exit would cut it off."""
    body = """
    import pathlib, sys, threading, time
    tmp = pathlib.Path(sys.argv[1])
    def late():
        time.sleep(1.0)
        (tmp / "thread.txt").write_text("done")
    threading.Thread(target=late).start()
    from binational.cli import entry
    entry(["regions"])
    """
    run = _run(tmp_path, body)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (tmp_path / "thread.txt").read_text() == "done"


def test_the_console_script_and_module_use_the_quick_end():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "binational"]
    assert script.value == "binational.cli:entry"
    from pathlib import Path

    import binational.cli

    main_py = Path(binational.cli.__file__).with_name("__main__.py").read_text()
    assert "entry()" in main_py
