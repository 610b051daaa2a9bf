"""What a folder swap needs to keep what was there: a new folder made as
the kernel makes one, the old folder's owner, group, mode (setgid and
sticky bits included) and extended attributes (ACLs) put on its
replacement, entries carried over with their own metadata, and temporary
names that never outlive a run.

These are the mechanics of ``report_set``; they know nothing of reports.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
import sys
from pathlib import Path
from typing import Callable, Iterable, Optional

TEMP_MARK = ".mt-eval-tmp-"


def make_temporary_folder(parent: Path, prefix: str) -> Path:
    """A new folder ``parent/<prefix><random>``, made with mode 0777 so the
    kernel applies the umask, a default ACL and a setgid parent's group
    exactly as for any folder made there (``mkdtemp`` forces 0700)."""
    for _ in range(100):
        candidate = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            os.mkdir(candidate, 0o777)
            return candidate
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(parent / prefix))


def keep_metadata(source: Path, destination: Path, *, strict: bool) -> None:
    """Give ``destination`` the owner, group, extended attributes and mode of
    ``source``, in that order: a change of owner clears setgid, and
    setting an access ACL rewrites the group bits, so the mode comes last.
    ``strict``: a refused change of owner or group is an error (the report
    folder itself); otherwise it is left as it is (an entry carried over
    that this user cannot give away)."""
    info = os.lstat(source)
    link = stat.S_ISLNK(info.st_mode)
    mine = os.lstat(destination)
    if (mine.st_uid, mine.st_gid) != (info.st_uid, info.st_gid):
        try:
            os.chown(destination, info.st_uid, info.st_gid, follow_symlinks=False)
        except OSError:
            if strict:
                raise
    if link:
        return  # a link's mode means nothing; its xattrs are rare and not carried
    _copy_xattrs(source, destination)
    os.chmod(destination, stat.S_IMODE(info.st_mode))


def _copy_xattrs(source: Path, destination: Path) -> None:
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(source, follow_symlinks=False)
    except OSError:
        return
    for name in names:
        try:
            os.setxattr(destination, name, os.getxattr(source, name, follow_symlinks=False), follow_symlinks=False)
        except OSError:
            continue  # security.* needs privileges, some file systems refuse user.*: keep what can be kept


def carry(source: Path, destination: Path) -> None:
    """Put ``source`` at ``destination`` as it is: files (and special
    files) by hard link, the same inode, so nothing is rewritten; folders
    re-made entry by entry; symbolic links as links. Owner, group, mode and
    times of what is re-made are kept."""
    info = os.lstat(source)
    if stat.S_ISDIR(info.st_mode):
        os.mkdir(destination, 0o700)
        for entry in os.scandir(source):
            carry(Path(entry.path), destination / entry.name)
        keep_metadata(source, destination, strict=False)
        os.utime(destination, ns=(info.st_atime_ns, info.st_mtime_ns))
    elif stat.S_ISLNK(info.st_mode):
        os.symlink(os.readlink(source), destination)
        keep_metadata(source, destination, strict=False)
    else:
        try:
            os.link(source, destination, follow_symlinks=False)
        except OSError:
            _copy_entry(source, destination, info)


def _copy_entry(source: Path, destination: Path, info: os.stat_result) -> None:
    """Where a hard link is refused (another user's file under
    protected_hardlinks): a copy, with the source's metadata where allowed.
    A FIFO or device is re-made, never read."""
    if stat.S_ISREG(info.st_mode):
        shutil.copy2(source, destination, follow_symlinks=False)
    else:
        os.mknod(destination, info.st_mode, info.st_rdev)
    keep_metadata(source, destination, strict=False)


def remove(path: Path) -> bool:
    """Remove a file, link or folder tree; folders this process may not
    write are made writable first (a carried read-only subfolder). True
    when nothing is left."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:
            return False
        return True

    def writable_then_retry(function: Callable[..., object], failed: str, _error: object) -> None:
        parent = os.path.dirname(failed)
        try:
            os.chmod(parent, stat.S_IMODE(os.lstat(parent).st_mode) | stat.S_IRWXU)
            if os.path.isdir(failed) and not os.path.islink(failed):
                os.chmod(failed, stat.S_IMODE(os.lstat(failed).st_mode) | stat.S_IRWXU)
                shutil.rmtree(failed, ignore_errors=True)
            else:
                function(failed)
        except OSError:
            pass

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=writable_then_retry)
    else:
        shutil.rmtree(path, onerror=writable_then_retry)
    return not os.path.lexists(path)


def sweep_stale(folders: Iterable[Path], alive: Callable[[int], bool]) -> None:
    """Remove temporary entries beside each of ``folders`` (a report
    folder, and the link naming it) left by processes that no longer exist
    (killed with SIGKILL, or a machine that lost power)."""
    for folder in folders:
        prefix = f".{folder.name}{TEMP_MARK}"
        try:
            entries = list(os.scandir(folder.parent))
        except OSError:
            continue
        for entry in entries:
            if not entry.name.startswith(prefix):
                continue
            rest = entry.name[len(prefix):]
            if rest.startswith("probe-"):
                rest = rest[len("probe-"):]
            pid = rest.split("-", 1)[0]
            if pid.isdigit() and not alive(int(pid)):
                remove(Path(entry.path))


def kind(info: os.stat_result) -> str:
    """What an entry is, in words."""
    mode = info.st_mode
    for test, words in ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
                        (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return words
    return "a file"


def head(path: Path, size: int = 256) -> Optional[bytes]:
    """The first bytes of a regular file (never a FIFO: it is not opened)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, "rb") as stream:
            return stream.read(size)
    except OSError:
        return None


def not_a_folder_of_its_own(folder: Path) -> bool:
    """True for folders a run must never replace or fill with its own files:
    the root, the home folder, the working directory or one above it, and a
    repository. ``folder`` is resolved (symbolic links followed)."""
    resolved = Path(os.path.realpath(folder))
    cwd = Path(os.path.realpath(os.getcwd()))
    home = Path(os.path.realpath(os.path.expanduser("~")))
    return resolved == Path(resolved.anchor) or resolved in (home, cwd) or resolved in cwd.parents or (resolved / ".git").exists()
