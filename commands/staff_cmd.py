"""staff add|list|deactivate|reset-password|passwd|max-depth|recover: the clinic's accounts.

``staff add --role manager`` on a ledger without accounts creates the first manager (no
sign-in yet) and prints the clinic's recovery code once. New passwords are typed at a
hidden prompt (twice), or read from the environment variable named by --password-env.
"""

from __future__ import annotations

import argparse

from commands.context import Context, add_json_flag, read_password, table
from inventory import staff
from inventory.models import ROLES
from inventory.paths import data_dir


def register(sub: argparse._SubParsersAction) -> None:
    st = sub.add_parser("staff", help="staff accounts: who signs in, and their role")
    st_sub = st.add_subparsers(dest="staff_command", metavar="ACTION", required=True)

    add = st_sub.add_parser(
        "add", help="add a staff member (the first manager, on a ledger without accounts)"
    )
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--max-depth", metavar="MM", help="scope of practice: deepest needles, mm")
    _password_env(add, "the new account's password")
    add_json_flag(add)
    add.set_defaults(handler=_add, sign_in=False)  # the first manager has nobody to sign in

    lst = st_sub.add_parser("list", help="every account, active or deactivated")
    add_json_flag(lst)
    lst.set_defaults(handler=_list)

    off = st_sub.add_parser("deactivate", help="stop an account signing in (its records stay)")
    off.add_argument("name")
    add_json_flag(off)
    off.set_defaults(handler=_deactivate)

    reset = st_sub.add_parser("reset-password", help="set a new password for someone")
    reset.add_argument("name")
    _password_env(reset, "the new password")
    add_json_flag(reset)
    reset.set_defaults(handler=_reset)

    own = st_sub.add_parser("passwd", help="change your own password")
    _password_env(own, "your new password")
    add_json_flag(own)
    own.set_defaults(handler=_passwd, sign_in=False)  # signs in itself, to ask the old one

    depth = st_sub.add_parser("max-depth", help="set or clear a person's scope of practice")
    depth.add_argument("name")
    depth.add_argument("mm", metavar="MM|none", help="the deepest needles in mm, or none")
    add_json_flag(depth)
    depth.set_defaults(handler=_max_depth)

    rec = st_sub.add_parser(
        "recover", help="a forgotten manager password: set a new one with the recovery code"
    )
    rec.add_argument("--name", required=True, help="the manager whose password is forgotten")
    rec.add_argument("--code-env", metavar="VAR", help="variable holding the recovery code")
    _password_env(rec, "the new password")
    add_json_flag(rec)
    rec.set_defaults(handler=_recover, sign_in=False)


def _password_env(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        help=f"environment variable holding {what} (otherwise it is asked for, twice)",
    )


def _new_password(args: argparse.Namespace, whose: str) -> str:
    return read_password(
        f"New password for {whose}: ", variable=args.password_env, confirm=not args.password_env
    )


def _add(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        first = not staff.has_staff(conn)
    password = _new_password(args, args.name)
    if first:
        if args.role != "manager":
            raise staff.NoStaffYet("The first account of a clinic is its manager: --role manager.")
        made = staff.setup_clinic(
            ctx.db, name=args.name, password=password, legacy_signing_folder=data_dir() / "signing"
        )
        ctx.emit(
            {
                "name": made.actor.name,
                "role": "manager",
                "recovery_code": made.recovery_code,
                "signing_certificate_sha256": made.fingerprint,
            },
            f"{made.actor.name} is the clinic's first manager.\n"
            f"Recovery code (shown once; print it and keep it locked away from this PC):\n"
            f"    {made.recovery_code}\n"
            "It sets a new manager password if every manager's is forgotten: "
            "python main.py staff recover --name NAME\n"
            f"The clinic's signing certificate (SHA-256): {made.fingerprint}",
        )
        return 0
    person = staff.add_staff(
        ctx.db,
        name=args.name,
        role=args.role,
        password=password,
        max_depth_mm=args.max_depth,
        by=ctx.actor,
    )
    ctx.emit(person.as_dict(), f"Added {person.name} ({person.role}).")
    return 0


def _list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        people = staff.list_staff(conn)
    ctx.emit(
        [p.as_dict() for p in people],
        table(
            ["Name", "Role", "Scope", "Active"],
            [
                [
                    p.name,
                    p.role,
                    f"up to {p.max_depth_mm} mm" if p.max_depth_mm else "",
                    "yes" if p.active else "no (deactivated)",
                ]
                for p in people
            ],
        ),
    )
    return 0


def _deactivate(args: argparse.Namespace, ctx: Context) -> int:
    person = staff.deactivate(ctx.db, args.name, by=ctx.actor)
    ctx.emit(person.as_dict(), f"{person.name} can no longer sign in; their records stay.")
    return 0


def _reset(args: argparse.Namespace, ctx: Context) -> int:
    actor = ctx.actor  # the manager signs in before the new password is asked for
    person = staff.reset_password(ctx.db, args.name, _new_password(args, args.name), by=actor)
    ctx.emit(person.as_dict(), f"{person.name}'s password was reset.")
    return 0


def _passwd(args: argparse.Namespace, ctx: Context) -> int:
    from commands.context import PASSWORD_VARIABLE

    signed = ctx.sign_in()
    old = read_password("Current password: ", variable=PASSWORD_VARIABLE)
    staff.change_password(ctx.db, old, _new_password(args, signed.actor.name), by=signed.actor)
    ctx.emit({"name": signed.actor.name, "changed": True}, "Your password was changed.")
    return 0


def _max_depth(args: argparse.Namespace, ctx: Context) -> int:
    mm = None if args.mm.strip().lower() in ("none", "no", "-") else args.mm
    person = staff.set_max_depth(ctx.db, args.name, mm, by=ctx.actor)
    scope = f"needles up to {person.max_depth_mm} mm" if person.max_depth_mm else "no limit"
    ctx.emit(person.as_dict(), f"{person.name}: {scope}.")
    return 0


def _recover(args: argparse.Namespace, ctx: Context) -> int:
    code = read_password("Recovery code: ", variable=args.code_env)
    actor = staff.recover(ctx.db, code, name=args.name, new_password=_new_password(args, args.name))
    ctx.emit(
        {"name": actor.name, "recovered": True},
        f"{actor.name} has a new password. The use of the recovery code is recorded.",
    )
    return 0
