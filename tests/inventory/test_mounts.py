"""The ledger refuses SQLite files on network shares, judged from real-looking mount tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory import mounts
from inventory.errors import DatabaseProblem
from inventory.mounts import DRIVE_REMOTE, Mount, check_not_network, mount_for, parse_mounts

# A Debian/Ubuntu desktop: ext4 root, a separate /home, tmpfs, a cifs share of
# the practice server mounted via fstab, and a GNOME gvfs mount.
DESKTOP = """\
sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
udev /dev devtmpfs rw,nosuid,relatime,size=8123456k,nr_inodes=2030864,mode=755 0 0
/dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0
tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=1628104k,mode=755 0 0
/dev/nvme0n1p1 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077 0 0
/dev/nvme0n1p3 /home ext4 rw,relatime 0 0
//praxis-nas/ledger /mnt/praxis cifs rw,relatime,vers=3.1.1,cache=strict,username=anna,uid=1000 0 0
/dev/nvme0n1p3 /mnt/praxis2 ext4 rw,relatime 0 0
gvfsd-fuse /run/user/1000/gvfs fuse.gvfsd-fuse rw,nosuid,nodev,relatime,user_id=1000 0 0
"""

# A small server: nfs4 home directories on top of a local root.
NFS_SERVER = """\
/dev/sda1 / xfs rw,relatime,attr2,inode64,noquota 0 0
/dev/sda2 /var xfs rw,relatime 0 0
fileserver.clinic.lan:/export/home /home nfs4 rw,relatime,vers=4.2,hard,proto=tcp,addr=10.0.0.2 0 0
/dev/sdb1 /home/anna/local ext4 rw,relatime 0 0
"""

# A laptop that mounts the practice server over sshfs, and a share with spaces.
LAPTOP = """\
/dev/mapper/vg-root / ext4 rw,relatime 0 0
anna@praxis.example:/srv/ledger /home/anna/Praxis\\040Server fuse.sshfs rw,nosuid,user_id=1000 0 0
//nas/Sterile\\040Ledger /media/Clinic\\040Share cifs rw,relatime,vers=3.0 0 0
/dev/sdc1 /media/USB\\134Stick vfat rw,relatime 0 0
"""

# Bind mounts appear with the fstype of the source: a cifs folder bound into
# /srv/ledger is still cifs; a local folder bound into /srv/local stays ext4.
BIND = """\
/dev/vda1 / ext4 rw,relatime 0 0
//nas/share /mnt/nas cifs rw,relatime 0 0
//nas/share /srv/ledger cifs rw,relatime 0 0
/dev/vda1 /srv/local ext4 rw,relatime 0 0
"""


def refusal(path: str, table: str) -> DatabaseProblem:
    """Run the check expecting a refusal, and hand back the error to inspect."""
    with pytest.raises(DatabaseProblem) as caught:
        check_not_network(Path(path), table)
    return caught.value


def test_parse_mounts_reads_device_mountpoint_and_type() -> None:
    parsed = parse_mounts(DESKTOP)
    assert Mount("//praxis-nas/ledger", "/mnt/praxis", "cifs") in parsed
    assert parsed[3] == Mount("/dev/nvme0n1p2", "/", "ext4")
    assert len(parsed) == 10


def test_parse_mounts_decodes_octal_escapes() -> None:
    parsed = parse_mounts(LAPTOP)
    assert parsed[1] == Mount(
        "anna@praxis.example:/srv/ledger", "/home/anna/Praxis Server", "fuse.sshfs"
    )
    assert parsed[2] == Mount("//nas/Sterile Ledger", "/media/Clinic Share", "cifs")
    assert parsed[3].mountpoint == "/media/USB\\Stick"


def test_parse_mounts_skips_blank_and_broken_lines() -> None:
    assert parse_mounts("\n\n# comment\nonly-two fields\n/dev/sda1 / ext4 rw 0 0\n") == [
        Mount("/dev/sda1", "/", "ext4")
    ]


def test_mount_for_matches_whole_components_not_string_prefix() -> None:
    table = parse_mounts(DESKTOP)
    assert mount_for(Path("/mnt/praxis/ledger.db"), table).fstype == "cifs"
    assert mount_for(Path("/mnt/praxis"), table).fstype == "cifs"
    assert mount_for(Path("/mnt/praxis2/ledger.db"), table).fstype == "ext4"
    assert mount_for(Path("/mnt/other/ledger.db"), table).mountpoint == "/"


def test_mount_for_later_mount_over_same_point_wins() -> None:
    table = parse_mounts(
        "/dev/sda1 / ext4 rw 0 0\n//nas/a /mnt/x cifs rw 0 0\n/dev/sdb1 /mnt/x ext4 rw 0 0\n"
    )
    assert mount_for(Path("/mnt/x/ledger.db"), table) == Mount("/dev/sdb1", "/mnt/x", "ext4")


def test_mount_for_without_matching_mount() -> None:
    table = parse_mounts("//nas/s /mnt/s cifs rw 0 0\n")
    assert mount_for(Path("/home/anna/ledger.db"), table) is None


def test_desktop_cifs_share_is_refused_with_useful_message() -> None:
    error = refusal("/mnt/praxis/ledger.db", DESKTOP)
    assert error.code == "network_mount"
    assert "/mnt/praxis/ledger.db" in error.message
    assert "cifs at /mnt/praxis" in error.message
    assert "PostgreSQL" in error.message
    assert "postgresql+psycopg://" in error.message


def test_desktop_local_disks_are_accepted() -> None:
    check_not_network(Path("/home/anna/ledger.db"), DESKTOP)
    check_not_network(Path("/var/lib/sterile-ledger/ledger.db"), DESKTOP)


def test_sibling_of_network_mount_with_longer_name_is_local() -> None:
    """/mnt/praxis2 shares a string prefix with the cifs /mnt/praxis but is local ext4."""
    check_not_network(Path("/mnt/praxis2/ledger.db"), DESKTOP)


def test_gnome_gvfs_share_is_refused() -> None:
    error = refusal("/run/user/1000/gvfs/smb-share:server=nas,share=ledger/ledger.db", DESKTOP)
    assert "fuse.gvfsd-fuse" in error.message


def test_nfs4_home_is_refused_but_local_disk_inside_it_is_not() -> None:
    error = refusal("/home/anna/ledger.db", NFS_SERVER)
    assert "nfs4 at /home" in error.message
    assert "PostgreSQL" in error.message
    check_not_network(Path("/home/anna/local/ledger.db"), NFS_SERVER)
    check_not_network(Path("/var/lib/ledger.db"), NFS_SERVER)


def test_missing_file_is_judged_by_its_parent_folder_on_nfs() -> None:
    path = Path("/home/anna/new-clinic/ledger.db")
    assert not path.exists()
    error = refusal(str(path), NFS_SERVER)
    assert "nfs4" in error.message
    assert "/home/anna/new-clinic/ledger.db" in error.message


def test_sshfs_mount_with_space_in_name_is_refused() -> None:
    error = refusal("/home/anna/Praxis Server/ledger.db", LAPTOP)
    assert "fuse.sshfs at /home/anna/Praxis Server" in error.message
    assert "PostgreSQL" in error.message


def test_cifs_share_with_space_in_name_is_refused() -> None:
    error = refusal("/media/Clinic Share/Sterile Ledger/ledger.db", LAPTOP)
    assert "cifs at /media/Clinic Share" in error.message


def test_local_usb_stick_with_escaped_backslash_is_accepted() -> None:
    check_not_network(Path("/media/USB\\Stick/ledger.db"), LAPTOP)


def test_bind_mount_keeps_the_source_fstype() -> None:
    error = refusal("/srv/ledger/ledger.db", BIND)
    assert "cifs at /srv/ledger" in error.message
    check_not_network(Path("/srv/local/ledger.db"), BIND)


def test_relative_path_is_resolved_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path.resolve()
    monkeypatch.chdir(real)
    table = f"/dev/sda1 / ext4 rw 0 0\n//nas/s {real} cifs rw 0 0\n"
    error = refusal("ledger.db", table)
    assert f"{real}/ledger.db" in error.message


def test_symlink_into_a_share_is_followed(tmp_path: Path) -> None:
    share = tmp_path.resolve() / "share"
    share.mkdir()
    (share / "ledger.db").write_bytes(b"")
    link = tmp_path / "shortcut.db"
    link.symlink_to(share / "ledger.db")
    table = f"/dev/sda1 / ext4 rw 0 0\n//nas/s {share} cifs rw 0 0\n"
    assert "cifs" in refusal(str(link), table).message


def test_unreadable_mount_table_refuses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows and macOS have no /proc/self/mounts; the check must stay out of the way."""
    monkeypatch.setattr(mounts, "MOUNTS_FILE", tmp_path / "no-such-mounts")
    check_not_network(Path("/mnt/praxis/ledger.db"))


def test_empty_mount_table_refuses_nothing() -> None:
    check_not_network(Path("/mnt/praxis/ledger.db"), "")


def test_live_mount_table_accepts_a_local_temp_file(tmp_path: Path) -> None:
    """Smoke test against this machine's real table (test temp dirs are local)."""
    table = mounts._read_mount_table()
    if table is not None:
        mount = mount_for(tmp_path, parse_mounts(table))
        assert mount is None or mount.fstype not in mounts.NETWORK_FS
    check_not_network(tmp_path / "ledger.db")


def test_network_fs_names_are_lower_case() -> None:
    expected = {"cifs", "smb3", "nfs", "nfs4", "fuse.sshfs", "afs", "ceph", "glusterfs"}
    assert expected <= mounts.NETWORK_FS
    assert all(name == name.lower() for name in mounts.NETWORK_FS)


# -- Windows: UNC paths and mapped drives (Windows' answers stood in for by drive_type)

REMOTE_Z = {"C:\\": 3, "D:\\": 2, "Z:\\": DRIVE_REMOTE}  # fixed disk, removable, network


@pytest.mark.parametrize(
    ("path", "said"),
    [
        (r"\\nas\clinic\ledger.sqlite3", r"the network share \\nas\clinic"),
        ("//nas/clinic/ledger.sqlite3", r"the network share \\nas\clinic"),
        (r"\\?\UNC\nas\clinic\ledger.sqlite3", r"the network share \\nas\clinic"),
        (r"Z:\SterileLedger\ledger.sqlite3", "the mapped network drive Z:"),
        (r"z:\ledger.sqlite3", "the mapped network drive Z:"),
    ],
)
def test_windows_shares_and_mapped_drives_are_refused(path: str, said: str) -> None:
    with pytest.raises(DatabaseProblem) as caught:
        check_not_network(path, windows=True, drive_type=lambda root: REMOTE_Z.get(root, 1))
    assert caught.value.code == "network_mount"
    assert said in caught.value.message and "PostgreSQL" in caught.value.message


@pytest.mark.parametrize(
    "path",
    [
        r"C:\ProgramData\SterileLedger\ledger.sqlite3",
        r"D:\stick\ledger.sqlite3",
        r"\\?\C:\ProgramData\SterileLedger\ledger.sqlite3",
    ],
)
def test_windows_local_disks_are_accepted(path: str) -> None:
    check_not_network(path, windows=True, drive_type=lambda root: REMOTE_Z.get(root, 1))
