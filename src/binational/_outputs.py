"""Run folders: a command's outputs appear whole or not at all.

:func:`run_folder` is what every writing command (``catchments``, ``concentration``, ``maps``,
``report``) writes through::

    with run_folder(out, command="catchments", params=vars(args)) as tmp:
        ...write every file into tmp...
    # here ``out`` holds exactly the new files and ``binational-run.json``

- The files are written into a temporary sibling folder ``.<out>.tmp-<pid>``; on success a
  manifest ``binational-run.json`` (command, parameters, time, each file's size and sha256) is
  added and the folder is swapped in whole with one atomic ``renameat2(RENAME_EXCHANGE)``
  (Linux; elsewhere two renames with a recovery step). A run killed at any moment leaves
  either the previous complete output or the new one, never a mix.
- Files of the previous run that this run did not write are gone with the old folder.
- A folder that also holds files no binational run wrote (not in its manifest), or that is the
  current folder, is never swapped (that could lose the user's files): each file is moved in
  atomically, the manifest is written last, the previous run's files that this run did not
  write are removed (listed as ``removed``) and the user's files are left alone (listed as
  ``kept``). There a kill during the last step can leave a mix, which the manifest (file
  checksums) shows.
- A lock (``fcntl.flock`` on ``.<out>.lock`` beside the folder, released by the kernel even
  when the process is killed) makes a second concurrent run into the same folder fail with
  :class:`~binational.errors.OutputError`.
- Leftovers of killed runs (``.<out>.tmp-*``, ``.<out>.old-*`` and ``*.part`` files) are
  removed by the next run.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as _dt
import errno
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from ._atomic import file_sha256
from ._log import get_logger
from .errors import BinationalError, OutputError

log = get_logger(__name__)

MANIFEST = "binational-run.json"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False when the call is not available."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _hidden(out: Path, kind: str) -> Path:
    return out.parent / f".{out.name}.{kind}-{os.getpid()}"


def _manifest_files(folder: Path) -> set[str]:
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {f["path"] for f in doc.get("files", [])}
    except (OSError, ValueError, TypeError, KeyError):
        return set()


def _listing(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def _clean_leftovers(out: Path) -> None:
    """Remove what killed runs left: tmp/old siblings, ``*.part`` files inside ``out``."""
    for p in out.parent.glob(f".{out.name}.tmp-*"):
        shutil.rmtree(p, ignore_errors=True)
        log.info("removed the leftover of an interrupted run: %s", p)
    olds = sorted(out.parent.glob(f".{out.name}.old-*"))
    if olds and not out.exists():
        # killed between the two renames of the fallback swap: the old output comes back
        os.replace(olds.pop(), out)
    for p in olds:
        shutil.rmtree(p, ignore_errors=True)
    if out.is_dir():
        for p in out.glob(".binational.tmp-*"):
            shutil.rmtree(p, ignore_errors=True)
        for p in out.rglob("*.part"):
            with contextlib.suppress(OSError):
                p.unlink()
                log.info("removed a partial file of an interrupted run: %s", p)


@contextlib.contextmanager
def _lock(path: Path, out: Path) -> Iterator[None]:
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot create the lock file {path} ({exc.strerror or exc}); choose an output "
            "folder in a writable location (--out)"
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise OutputError(
                f"{out}: another binational run (pid {holder}) is writing into this folder; "
                "wait for it to finish or choose another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def _manifest(folder: Path, *, command: str, params: dict | None, extra: dict) -> dict:
    files = []
    for p in _listing(folder):
        rel = p.relative_to(folder).as_posix()
        if rel == MANIFEST:
            continue
        files.append({"path": rel, "bytes": p.stat().st_size, "sha256": file_sha256(p)})
    doc = {
        "command": command,
        "params": params or {},
        "finished": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "pid": os.getpid(),
        "files": files,
        **extra,
    }
    (folder / MANIFEST).write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    return doc


def _has_foreign(out: Path) -> bool:
    """True when ``out`` holds anything that is not the output of an earlier run."""
    if not out.is_dir():
        return False
    ours = _manifest_files(out) | {MANIFEST}
    for p in out.rglob("*"):
        rel = p.relative_to(out).as_posix()
        if p.name.startswith((".binational", ".")) and p.name.endswith((".lock", ".part")):
            continue
        if rel.startswith(".binational.tmp-"):
            continue
        if p.is_dir():
            if not any(f.startswith(rel + "/") for f in ours):
                return True
        elif rel not in ours:
            return True
    return False


def _contains_cwd(out: Path) -> bool:
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        return False
    r = out.resolve()
    return cwd == r or r in cwd.parents


@contextlib.contextmanager
def run_folder(
    out: str | os.PathLike, *, command: str, params: dict | None = None
) -> Iterator[Path]:
    """Yield a temporary folder to write a run into; swap it in as ``out`` on success.

    Raises
    ------
    OutputError
        ``out`` is a file, its parent cannot be written, or another run holds the lock.
    """
    out = Path(out).expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; choose another --out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot create output folder ({exc.strerror or exc}); choose an output "
            "folder in a writable location (--out)"
        ) from exc
    # a folder that holds files no binational run wrote (or the current folder) is never
    # swapped: its files are replaced one by one under the manifest and the others left alone
    in_place = _contains_cwd(out) or _has_foreign(out)
    lock = (out / ".binational.lock") if in_place else out.parent / f".{out.name}.lock"
    with _lock(lock, out):
        _clean_leftovers(out)
        tmp = (out / f".binational.tmp-{os.getpid()}") if in_place else _hidden(out, "tmp")
        try:
            tmp.mkdir()
        except OSError as exc:
            raise OutputError(
                f"{out}: cannot write beside the output folder ({exc.strerror or exc}); choose "
                "an output folder in a writable location (--out)"
            ) from exc
        try:
            # errors of the run itself (a missing input, a bad value) pass through as they are;
            # only the commit's file-system errors are about writing the outputs
            yield tmp
            try:
                if in_place:
                    _commit_in_place(tmp, out, command=command, params=params)
                else:
                    _commit_swap(tmp, out, command=command, params=params)
            except OSError as exc:
                raise OutputError(
                    f"{out}: cannot write the outputs ({exc.strerror or exc}); nothing was "
                    "changed in the output folder — check its permissions and free space"
                ) from exc
        except BinationalError:  # OutputError from the commit included
            raise
        except OSError as exc:
            raise OutputError(
                f"{out}: cannot write the outputs ({exc.strerror or exc}); nothing was changed "
                "in the output folder — check its permissions and free space"
            ) from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _commit_swap(tmp: Path, out: Path, *, command: str, params) -> None:
    # ``out`` holds nothing but an earlier run (else run_folder chose the in-place commit)
    _manifest(tmp, command=command, params=params, extra={"kept": []})
    if not out.exists():
        os.replace(tmp, out)
        return
    if _exchange(tmp, out):
        return  # tmp now holds the previous output; removed by the caller
    old = _hidden(out, "old")
    os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)


def _commit_in_place(tmp: Path, out: Path, *, command: str, params) -> None:
    previous = _manifest_files(out)
    written = [p.relative_to(tmp).as_posix() for p in _listing(tmp)]
    removed = sorted(previous - set(written))
    kept = sorted(
        rel
        for p in _listing(out)
        if not (rel := p.relative_to(out).as_posix()).startswith(".binational")
        and rel not in previous
        and rel not in written
        and rel != MANIFEST
        and not p.name.endswith(".part")
    )
    _manifest(tmp, command=command, params=params, extra={"removed": removed, "kept": kept})
    for rel in written:
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / rel, target)
    for rel in removed:
        with contextlib.suppress(OSError):
            (out / rel).unlink()
    os.replace(tmp / MANIFEST, out / MANIFEST)


def final_path(path: str | os.PathLike, tmp: Path, out: str | os.PathLike) -> Path:
    """Where a file written at ``path`` inside ``tmp`` lives once the run is committed."""
    return Path(out).expanduser().absolute() / Path(path).relative_to(tmp)
