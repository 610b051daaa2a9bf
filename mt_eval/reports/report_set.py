"""A run's report files appear as one set, whole or not at all.

Every file of the set is written into a temporary folder beside the target
folder, fsynced, and the folder is then swapped in with one rename
(``renameat2(RENAME_EXCHANGE)`` where the kernel has it; otherwise two
renames, during which the folder is briefly absent but never mixed). A
reader sees the earlier set or the new one, never files from two runs.

What the target folder holds besides report files (Hydra's ``.hydra/``, a
baseline kept beside the reports, anything of the user's) is carried into
the new folder by hard links. Report files of an earlier run that this run
does not write are not carried: a set never mixes runs.

On any failure or signal before the swap (disk full, SIGINT, SIGTERM, an
exception) the earlier set stays byte for byte and the temporary folder is
removed; SIGINT and SIGTERM are held during the swap itself. A folder left
by a process killed outright (SIGKILL) is removed by the next run that
writes beside it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Iterator, List, Mapping, Optional, Sequence, Union

from ..errors import InputError
from ..errors import describe_os_error

Content = Union[str, bytes]
TEMP_MARK = ".mt-eval-tmp-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class ReportSet:
    """The report folder of one run and the names its set may hold."""

    def __init__(self, directory: Union[str, Path], names: Sequence[str]) -> None:
        self.directory = Path(os.path.abspath(os.path.expanduser(str(directory))))
        self.names = frozenset(names)

    # -------------------------------------------------------------- checks
    def check_writable(self) -> None:
        """Before any scoring: the folder can be created and written, by a
        real probe (permission bits say nothing to root; a read-only mount
        does)."""
        target = self.directory
        if target.exists() and not target.is_dir():
            raise InputError(f"report.dir: {target} exists and is not a folder. Choose another report.dir.")
        _check_own_folder(target)
        ancestor = target
        while not ancestor.exists():
            if ancestor.parent == ancestor:
                break
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise InputError(f"report.dir: {target}: {ancestor} is not a folder, so the report folder cannot be made there.")
        try:
            probe = tempfile.mkdtemp(prefix=f".{target.name or 'reports'}{TEMP_MARK}probe-{os.getpid()}-", dir=ancestor)
            os.rmdir(probe)
        except OSError as error:
            raise InputError(f"report.dir: cannot write in {ancestor}: {describe_os_error(error)}. Choose a writable report.dir.") from None
        if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
            raise InputError(f"report.dir: {target} is not writable. Choose a writable report.dir.")

    # -------------------------------------------------------------- commit
    def commit(self, files: Mapping[str, Content]) -> List[Path]:
        """Write ``files`` (name → content) as the folder's new set."""
        unknown = set(files) - self.names
        assert not unknown, f"not declared as report files: {unknown}"
        target = self.directory
        _check_own_folder(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"report.dir: cannot create {target.parent}: {describe_os_error(error)}.") from None
        _sweep_stale(target)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{TEMP_MARK}{os.getpid()}-", dir=target.parent))
        except OSError as error:
            raise InputError(f"report.dir: cannot write in {target.parent}: {describe_os_error(error)}.") from None
        swapped = False
        try:
            for name, content in files.items():
                _write_file(staging / name, content)
            if target.is_dir():
                _carry_over(target, staging, self.names)
            os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; a report folder is not
            _fsync_dir(staging)
            with _signals_held():
                old = _swap_in(staging, target)
                swapped = True
                if old is not None:
                    shutil.rmtree(old, ignore_errors=True)
                _fsync_dir(target.parent)
        except OSError as error:
            raise InputError(f"report.dir: writing the reports into {target} failed: {describe_os_error(error)}. "
                             "The earlier reports there are unchanged.") from None
        finally:
            if not swapped:
                shutil.rmtree(staging, ignore_errors=True)
        return [target / name for name in files]


def _check_own_folder(target: Path) -> None:
    """The set is swapped in as a whole folder: never the root, the home
    folder, the working directory (or one above it), or a repository."""
    resolved = Path(os.path.realpath(target))
    cwd = Path(os.path.realpath(os.getcwd()))
    home = Path(os.path.realpath(os.path.expanduser("~")))
    if resolved == Path(resolved.anchor) or resolved == home or cwd == resolved or resolved in cwd.parents or (resolved / ".git").exists():
        raise InputError(
            f"report.dir: {target} is not a folder of its own (the root, your home, the working directory or above it, or a "
            "repository). A report set replaces its folder whole; name a folder for the reports, e.g. report.dir=reports/run1."
        )


def _write_file(path: Path, content: Content) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    with open(path, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(path, 0o666 & ~_umask())


def _carry_over(old: Path, new: Path, report_names: frozenset) -> None:
    """Hard-link what is not a report file from the old folder into the new."""
    for entry in os.scandir(old):
        if entry.name in report_names or TEMP_MARK in entry.name:
            continue
        source, destination = Path(entry.path), new / entry.name
        if entry.is_dir(follow_symlinks=False):
            shutil.copytree(source, destination, symlinks=True, copy_function=_link_or_copy)
        elif entry.is_symlink():
            os.symlink(os.readlink(source), destination)
        else:
            _link_or_copy(str(source), str(destination))


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _swap_in(staging: Path, target: Path) -> Optional[Path]:
    """Put ``staging`` at ``target``; return where the old folder now is (to
    be removed), or None when there was none."""
    try:
        os.rename(staging, target)  # no folder there yet (or an empty one)
        return None
    except OSError as error:
        if error.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            raise
    if _exchange(staging, target):
        return staging
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}{TEMP_MARK}{os.getpid()}-old-", dir=target.parent))
    os.rmdir(aside)
    os.rename(target, aside)
    os.rename(staging, target)
    return aside


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux ≥ 3.15); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _sweep_stale(target: Path) -> None:
    """Remove temporary folders beside ``target`` left by processes that no
    longer exist (killed with SIGKILL, or a machine that lost power)."""
    prefix = f".{target.name}{TEMP_MARK}"
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        pid_text = entry.name[len(prefix):].split("-", 1)[0]
        if pid_text == "probe":
            pid_text = entry.name[len(prefix) + len("probe-"):].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the few system calls of the swap, so an
    interrupt lands before it or after it, never in the middle."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
