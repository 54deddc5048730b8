"""The README's "Bring your own data" snippets run as written, on the real data.

Each ```python block of that section runs in order in one namespace, in a temporary working
folder, with ``DATA`` bound to the real data folder (the README says so). A snippet that raises
fails the test; the snippets carry their own ``assert`` lines so that a wrong result fails too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SECTION = "## Bring your own data"


def _snippets() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    body = text[start : end if end != -1 else None]
    return re.findall(r"```python\n(.*?)```", body, flags=re.S)


def test_section_has_snippets():
    assert len(_snippets()) >= 4


def test_snippets_run(data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"DATA": data_dir, "__name__": "readme"}
    for i, code in enumerate(_snippets(), start=1):
        try:
            exec(compile(code, f"README.md snippet {i}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"README snippet {i} failed: {type(exc).__name__}: {exc}\n{code}")
