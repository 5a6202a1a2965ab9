"""Refuse to open a SQLite ledger that lives on a network share.

SQLite relies on POSIX byte-range locks and on ``fsync`` reaching the disk.
SMB/CIFS, NFS, sshfs and friends implement both loosely or not at all, so two
workstations (or one workstation and a flaky link) can silently lose or corrupt
records. The ledger is a legal record of sterilisation, so we refuse up front
and point the clinic at PostgreSQL instead.

On Linux, detection reads the kernel's mount table (``/proc/self/mounts``). On
Windows, a UNC path (``//server/share/...``, with backslashes) is a share by its
very form, and a drive letter is asked of Windows itself (``GetDriveTypeW``: a mapped network drive
is ``DRIVE_REMOTE``). Where neither applies (macOS) the check does nothing: refusing
to start because we cannot look would hurt more than it helps.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from inventory.errors import DatabaseProblem

#: File system types whose data travels over a network (or a VM's network-like
#: transport such as 9p, which WSL2 uses for Windows drives) and whose locking
#: SQLite cannot trust.
NETWORK_FS: frozenset[str] = frozenset(
    {
        # SMB / Windows shares
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "fuse.smbnetfs",
        # NFS
        "nfs",
        "nfs3",
        "nfs4",
        # SSH / WebDAV / desktop virtual mounts (GNOME "Other Locations", KDE)
        "sshfs",
        "fuse.sshfs",
        "davfs",
        "fuse.davfs",
        "fuse.davfs2",
        "fuse.gvfsd-fuse",
        "fuse.kio-fuse",
        "fuse.rclone",
        "fuse.s3fs",
        # 9p: WSL2 /mnt/c, QEMU shares
        "9p",
        # Distributed / cluster file systems
        "afs",
        "openafs",
        "coda",
        "ncpfs",
        "ncp",
        "ceph",
        "fuse.ceph",
        "fuse.ceph-fuse",
        "glusterfs",
        "fuse.glusterfs",
        "lustre",
        "gpfs",
        "beegfs",
        "orangefs",
        "pvfs2",
    }
)

#: Where the running kernel publishes this process's view of the mount table.
MOUNTS_FILE = Path("/proc/self/mounts")

_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class Mount:
    """One line of the mount table: what is mounted where, and as what type."""

    device: str
    mountpoint: str
    fstype: str


def _unescape(field: str) -> str:
    """Decode the kernel's octal escapes (``\\040`` space, ``\\011`` tab, ``\\134`` backslash)."""
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[Mount]:
    """Parse ``/proc/self/mounts`` / ``/proc/mounts`` / ``/etc/mtab`` text.

    Fields are separated by whitespace; the kernel escapes whitespace and
    backslashes inside fields, so a plain split is safe. Malformed and comment
    lines are skipped rather than raised on: a damaged mount table must not
    stop the ledger from starting. Order is kept, because a later line is
    mounted on top of an earlier one at the same mountpoint.
    """
    mounts: list[Mount] = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3 or fields[0].startswith("#"):
            continue
        device, mountpoint, fstype = (_unescape(f) for f in fields[:3])
        mounts.append(Mount(device=device, mountpoint=mountpoint, fstype=fstype))
    return mounts


def mount_for(path: Path, mounts: list[Mount]) -> Mount | None:
    """Return the mount that holds ``path``: the longest matching mountpoint.

    Matching is by path components, so ``/mnt/share2`` is not inside
    ``/mnt/share``. On a tie (something mounted over an existing mountpoint)
    the later entry wins, as it does in the kernel.
    """
    parts = Path(path).resolve().parts
    best: Mount | None = None
    best_len = -1
    for mount in mounts:
        mount_parts = Path(mount.mountpoint).parts
        if not mount_parts or mount_parts[0] != "/":
            continue  # not an absolute mountpoint (garbage line)
        if parts[: len(mount_parts)] == mount_parts and len(mount_parts) >= best_len:
            best, best_len = mount, len(mount_parts)
    return best


def _read_mount_table() -> str | None:
    """Read the live mount table, or ``None`` where there is none to read."""
    try:
        return MOUNTS_FILE.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return None


DRIVE_REMOTE = 4  # GetDriveTypeW: a network (mapped) drive
DriveType = Callable[[str], int]


def _windows_drive_type(root: str) -> int:
    """Windows' own answer for a drive root such as ``Z:\\``."""
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def windows_share(path: str, drive_type: DriveType | None = None) -> str | None:
    """How ``path`` reaches a network share on Windows (None when it is a local disk).

    ``drive_type`` lets tests stand in for Windows; by default Windows is asked.
    """
    drive = PureWindowsPath(path).drive  # "//server/share" reads as "\\\\server\\share" too
    upper = drive.upper()
    for long_unc in ("\\\\?\\UNC\\", "\\\\.\\UNC\\"):
        if upper.startswith(long_unc):
            return f"the network share \\\\{drive[len(long_unc):]}"
    if upper.startswith(("\\\\?\\", "\\\\.\\")):
        drive = drive[4:]  # a long local path: \\?\C:\... is on C:
    elif drive.startswith("\\\\"):
        return f"the network share {drive}"
    if len(drive) == 2 and drive[1] == ":":
        ask = drive_type or _windows_drive_type
        if ask(drive.upper() + "\\") == DRIVE_REMOTE:
            return f"the mapped network drive {drive.upper()}"
    return None


def check_not_network(
    path: Path | str,
    mounts_text: str | None = None,
    *,
    windows: bool | None = None,
    drive_type: DriveType | None = None,
) -> None:
    """Raise :class:`DatabaseProblem` if the SQLite file ``path`` is on a network share.

    ``mounts_text`` lets tests supply a mount table; by default the live one is
    read (and if it cannot be read, nothing is refused). ``windows`` and
    ``drive_type`` let tests take Windows' side. For a file that does
    not exist yet, the folder it would be created in is checked.
    """
    on_windows = os.name == "nt" if windows is None else windows
    if on_windows:  # tests pass Windows paths as text, with drive_type standing in
        share = windows_share(str(path) if windows else os.path.abspath(path), drive_type)
        if share is not None:
            raise _on_share(str(path), share)
        return
    path = Path(path)
    try:
        target = path if path.exists() else path.parent
    except OSError:
        target = path.parent
    # Resolve before reading the table: touching the path triggers automounts
    # (autofs /net/...) so the real nfs entry is present when we look.
    resolved = target.resolve()
    if mounts_text is None:
        mounts_text = _read_mount_table()
        if mounts_text is None:
            return
    mount = mount_for(resolved, parse_mounts(mounts_text))
    if mount is None or mount.fstype.lower() not in NETWORK_FS:
        return
    shown = resolved if target is path else resolved / path.name
    raise _on_share(str(shown), f"{mount.fstype} at {mount.mountpoint}")


def _on_share(shown: str, where: str) -> DatabaseProblem:
    return DatabaseProblem(
        f"The database file {shown} is on a network share ({where}); SQLite on a "
        "network share can lose or corrupt records. Keep the file on this computer's own "
        "disk, or for several workstations use a PostgreSQL database "
        "(postgresql+psycopg://...).",
        code="network_mount",
    )
