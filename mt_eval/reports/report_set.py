"""A run's report files appear as one set, whole or not at all, and the
report folder keeps what was there.

Every file of the set is written into a temporary folder beside the target
folder, fsynced, and the folder is then swapped in with one rename
(``renameat2(RENAME_EXCHANGE)`` where the kernel has it; otherwise two
renames, during which the folder is briefly absent but never mixed). A
reader sees the earlier set or the new one, never files from two runs.

The folder keeps what was there:

- its owner, group, mode (setgid and sticky bits included) and extended
  attributes (ACLs) pass to the new folder before any file is written in
  it, so files get the group a setgid folder gives; a new folder is made as
  the kernel makes any (umask, default ACL, a setgid parent's group);
- a symbolic link named as ``report.dir`` is followed: its target is the
  folder swapped, and the link stays;
- what the folder holds besides report files (Hydra's ``.hydra/``, a
  baseline kept there, anything of the user's) is carried into the new
  folder by hard link, with its own metadata; report files of an earlier
  run that this run does not write are not carried (a set never mixes
  runs);
- no file of the set replaces an entry that is not a report file: a
  folder, a link or a special file of that name, or a file under a name a
  config key chose (``gate.junit``, ``gate.summary``) that no earlier run
  wrote, is refused before any scoring (``check_writable``) and again at
  the moment of writing.

On any failure or signal before the swap (disk full, SIGINT, SIGTERM, an
exception) the earlier set stays byte for byte and every temporary name is
removed; SIGINT and SIGTERM are held during the swap itself. A temporary
entry left by a process killed outright (SIGKILL) is removed by the next
run that writes beside it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import signal
import stat
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Union

from ..errors import InputError, describe_os_error
from . import folders
from .folders import TEMP_MARK

Content = Union[str, bytes]
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_MAX_REPORT_JSON = 64 * 1024 * 1024  # report.json is kept small; anything larger is no earlier set's record


class ReportSet:
    """The report folder of one run and the names its set may hold.

    ``names``: the report files of every format (fixed names, documented
    as the set's). ``chosen``: file name → the config key that chose it
    (``gate.summary``); such a file may only replace a file that an earlier
    run wrote under a chosen name: one its report.json records, or one
    ``recognise`` (given the file's first bytes) says mt-eval wrote."""

    def __init__(self, directory: Union[str, Path], names: Sequence[str], chosen: Optional[Mapping[str, str]] = None,
                 recognise: Optional[Callable[[bytes], bool]] = None) -> None:
        self.directory = Path(os.path.abspath(os.path.expanduser(str(directory))))
        self.chosen = dict(chosen or {})
        self.names = frozenset(names) | frozenset(self.chosen)
        self.recognise = recognise

    @property
    def target(self) -> Path:
        """The folder swapped: ``directory`` with every symbolic link followed."""
        real = Path(os.path.realpath(self.directory))
        if real.is_symlink():  # realpath stops where a loop (or too deep a chain) begins
            raise InputError(f"report.dir: {self.directory} is a symbolic link loop. Point it at a folder, or choose another report.dir.")
        return real

    # -------------------------------------------------------------- checks
    def check_writable(self, writes: Iterable[str] = ()) -> None:
        """Before any scoring: the folder can be created and written, by a
        real probe (permission bits say nothing to root; a read-only mount
        does), its owner and group can be kept, and none of ``writes`` (the
        files this run will write) would replace what is not a report file."""
        target = self.target
        if target.exists() and not target.is_dir():
            raise InputError(f"report.dir: {self.directory} exists and is not a folder. Choose another report.dir.")
        _check_own_folder(target, self.directory)
        ancestor = target.parent  # where the new set is made, and the old one swapped out
        while not ancestor.exists():
            if ancestor.parent == ancestor:
                break
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise InputError(f"report.dir: {self.directory}: {ancestor} is not a folder, so the report folder cannot be made there.")
        try:
            probe = folders.make_temporary_folder(ancestor, f".{target.name or 'reports'}{TEMP_MARK}probe-{os.getpid()}-")
            os.rmdir(probe)
        except OSError as error:
            raise InputError(f"report.dir: cannot write in {ancestor}: {describe_os_error(error)}. Choose a writable report.dir.") from None
        if target.is_dir():
            if not os.access(target, os.W_OK | os.X_OK):
                raise InputError(f"report.dir: {self.directory} is not writable. Choose a writable report.dir.")
            _check_keepable(target, self.directory)
            _check_one_file_system(target, self.directory)
        self.check_entries(writes)

    def check_entries(self, writes: Iterable[str]) -> None:
        """No file of ``writes`` replaces an entry that is not a report file."""
        target = self.target
        earlier = recorded_files(target)
        for name in writes:
            problem = self._entry_problem(target, name, earlier)
            if problem:
                raise InputError(problem)

    def _entry_problem(self, folder: Path, name: str, earlier: Set[str]) -> Optional[str]:
        path = folder / name
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as error:
            return f"report.dir: cannot read {path}: {describe_os_error(error)}."
        regular = stat.S_ISREG(info.st_mode)
        if name not in self.chosen:
            if regular:
                return None  # a report file of the set: report.json, report.md, ...
            return (f"report.dir: {path} is {folders.kind(info)}, not a report file; a run never replaces it. "
                    "Move it, or choose another report.dir.")
        if regular and (name in earlier or self._recognised(path)):
            return None
        what = folders.kind(info) + (" that no earlier mt-eval run wrote" if regular else "")
        key = self.chosen[name]
        return f"{key}={name!r}: {path} exists and is {what}; a run never replaces it. Choose another {key}, or move it."

    def _recognised(self, path: Path) -> bool:
        first = folders.head(path)
        return bool(self.recognise and first is not None and self.recognise(first))

    def replaced(self) -> Set[Path]:
        """Every entry of the folder a commit replaces or leaves behind (its
        report files), whatever the run writes: no input may be one."""
        target = self.target
        dropped = self.names | recorded_files(target)
        try:
            entries = list(os.scandir(target))
        except OSError:
            return set()
        return {target / entry.name for entry in entries if entry.name in dropped and entry.is_file(follow_symlinks=False)}

    # -------------------------------------------------------------- commit
    def commit(self, files: Mapping[str, Content]) -> List[Path]:
        """Write ``files`` (name → content) as the folder's new set."""
        unknown = set(files) - self.names
        assert not unknown, f"not declared as report files: {unknown}"
        target = self.target
        _check_own_folder(target, self.directory)
        self.check_entries(files)  # again: the folder may have changed while the run scored
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"report.dir: cannot create {target.parent}: {describe_os_error(error)}.") from None
        folders.sweep_stale({target, self.directory}, _alive)
        try:
            staging = folders.make_temporary_folder(target.parent, f".{target.name}{TEMP_MARK}{os.getpid()}-")
        except OSError as error:
            raise InputError(f"report.dir: cannot write in {target.parent}: {describe_os_error(error)}.") from None
        swapped = False
        try:
            existing = target.is_dir()
            if existing:
                # Before any file is written: a setgid folder gives its group to the files.
                folders.keep_metadata(target, staging, strict=True)
            for name, content in files.items():
                _write_file(staging / name, content)
            if existing:
                dropped = set(files) | self.names | recorded_files(target)
                for entry in os.scandir(target):
                    if not (entry.name in dropped and entry.is_file(follow_symlinks=False)):
                        folders.carry(Path(entry.path), staging / entry.name)
            _fsync_dir(staging)
            with _signals_held():
                old = _swap_in(staging, target)
                swapped = True
                if old is not None:
                    folders.remove(old)
                _fsync_dir(target.parent)
        except OSError as error:
            raise InputError(f"report.dir: writing the reports into {self.directory} failed: {describe_os_error(error)}. "
                             "The earlier reports there are unchanged.") from None
        finally:
            if not swapped:
                folders.remove(staging)
        return [self.directory / name for name in files]


def recorded_files(folder: Path) -> Set[str]:
    """Names an earlier run's report.json in ``folder`` records as its set's
    files: its ``files`` (where the schema lists them) and, where it ran a
    gate, its gate file names. Empty when there is no readable record."""
    path = folder / "report.json"
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_REPORT_JSON:
            return set()
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return set()
    if not isinstance(data, dict):
        return set()
    names: List[object] = []
    listed = data.get("files")
    if isinstance(listed, dict):
        names += list(listed)
    elif isinstance(listed, list):
        names += [item.get("name", item.get("path")) if isinstance(item, dict) else item for item in listed]
    config = data.get("config")
    gate = config.get("gate") if isinstance(config, dict) else None
    if isinstance(gate, dict) and gate.get("baseline"):
        names += [gate.get("summary"), gate.get("junit")]
    return {name for name in names if isinstance(name, str) and name and "/" not in name and name not in (".", "..")}


def _check_one_file_system(target: Path, shown: Path) -> None:
    """The set is swapped in by renaming the folder, and what it holds is
    carried into the new one by hard links: a mount point (the folder
    itself, or anything inside it) can be neither renamed nor linked, and
    copying it would empty the mounted file system when the old folder goes."""
    if os.path.ismount(target):
        raise InputError(f"report.dir: {shown} is a mount point, which cannot be swapped whole. "
                         "Name a folder inside it: report.dir=" + str(shown / "reports") + ".")
    device = target.stat().st_dev
    for folder, subfolders, _ in os.walk(target):
        for name in subfolders:
            path = Path(folder) / name
            try:
                if not path.is_symlink() and path.stat().st_dev != device:
                    raise InputError(f"report.dir: {path} is another file system mounted inside the report folder; a report set "
                                     "replaces its folder whole. Move the mount out of it, or choose another report.dir.")
            except OSError:
                continue  # unreadable here: the carry-over will say so


def _check_own_folder(target: Path, given: Path) -> None:
    """The set is swapped in as a whole folder: never the root, the home
    folder, the working directory (or one above it), or a repository."""
    if folders.not_a_folder_of_its_own(target):
        raise InputError(
            f"report.dir: {given} is not a folder of its own (the root, your home, the working directory or above it, or a "
            "repository). A report set replaces its folder whole; name a folder for the reports, e.g. report.dir=reports/run1."
        )


def _check_keepable(target: Path, given: Path) -> None:
    """The new folder takes the old one's owner and group: only root may
    give a folder away, and a user may only set a group they are in."""
    if not hasattr(os, "geteuid") or os.geteuid() == 0:  # root, or a system without POSIX owners
        return
    info = os.stat(target)
    if info.st_uid != os.geteuid():
        raise InputError(f"report.dir: {given} belongs to user id {info.st_uid}; a run replaces the folder whole and could not keep its "
                         "owner. Write the reports as that user, or choose a folder of your own.")
    if info.st_gid not in {os.getegid(), *os.getgroups()}:
        raise InputError(f"report.dir: {given} has group id {info.st_gid}, which you are not in; a run replaces the folder whole and "
                         "could not keep its group. Choose another report.dir.")


def _write_file(path: Path, content: Content) -> None:
    """The kernel sets the mode (umask or the folder's default ACL) and the
    group (the folder's, where it is setgid)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with open(path, "xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


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
    aside = folders.make_temporary_folder(target.parent, f".{target.name}{TEMP_MARK}{os.getpid()}-old-")
    os.rmdir(aside)
    os.rename(target, aside)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(aside, target)  # put the earlier set back, under its own name
        raise
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
