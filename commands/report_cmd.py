"""report compliance|usage --from --to --pdf --csv, and verify FILE [--previous OLD]."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from commands.context import Context, add_json_flag, day
from inventory.text import counted

if TYPE_CHECKING:
    from reports.export import ExportResult


def register(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("report", help="export the compliance or usage report (PDF and CSV)")
    rep_sub = rep.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    for kind, text in (
        ("compliance", "the inspector's report: sessions, refusals, recalls, holds, audit"),
        ("usage", "the manager's report: use per month and practitioner, stock, expiry, cover"),
    ):
        p = rep_sub.add_parser(kind, help=text)
        p.add_argument(
            "--from",
            dest="start",
            required=True,
            type=day,
            metavar="DATE",
            help="first day of the period (YYYY-MM-DD, clinic's calendar)",
        )
        p.add_argument(
            "--to",
            dest="end",
            required=True,
            type=day,
            metavar="DATE",
            help="last day of the period, included",
        )
        p.add_argument("--pdf", type=Path, metavar="FILE", help="write the signed PDF here")
        p.add_argument(
            "--csv",
            type=Path,
            metavar="DIR_OR_FILE",
            help="write one CSV per section and a signed manifest into this folder; a name "
            "ending in .csv is used as the files' prefix (NAME-uses.csv, NAME-manifest.json)",
        )
        if kind == "compliance":
            p.add_argument(
                "--with-client-names",
                action="store_true",
                help="print client references as entered instead of pseudonyms",
            )
        p.add_argument(
            "--force",
            action="store_true",
            help="replace an earlier export's files of the same name (otherwise refused)",
        )
        add_json_flag(p)
        p.set_defaults(handler=_report, kind=kind)

    ver = sub.add_parser("verify", help="check that an exported PDF, CSV or manifest is unaltered")
    ver.add_argument("file", type=Path, metavar="FILE")
    ver.add_argument(
        "--previous",
        type=Path,
        metavar="OLD",
        help="an earlier report of the clinic (PDF or CSV manifest): prove that FILE's record "
        "still holds every event OLD showed, unchanged, or name the first event that differs",
    )
    ver.add_argument(
        "--fingerprint",
        metavar="SHA256",
        help="also require this signing key fingerprint (from the report cover)",
    )
    add_json_flag(ver)
    ver.set_defaults(handler=_verify, sign_in=False)  # needs only the files


def _report(args: argparse.Namespace, ctx: Context) -> int:
    def progress(fraction: float, phase: str) -> None:
        if not ctx.as_json and sys.stderr.isatty():
            sys.stderr.write(f"\r{fraction * 100:5.1f}%  {phase:<50}")
            sys.stderr.flush()

    from reports.export import WouldOverwrite, export_compliance, export_usage

    try:
        if args.kind == "compliance":
            result = export_compliance(
                ctx.db,
                args.start,
                args.end,
                pdf=args.pdf,
                csv=args.csv,
                by=ctx.actor,
                with_client_names=args.with_client_names,
                progress=progress,
                overwrite=args.force,
            )
        else:
            result = export_usage(
                ctx.db,
                args.start,
                args.end,
                pdf=args.pdf,
                csv=args.csv,
                by=ctx.actor,
                progress=progress,
                overwrite=args.force,
            )
    except WouldOverwrite as refused:  # a usage error: the same command with --force works
        if ctx.as_json:
            ctx.emit({"refused": refused.code, "message": refused.message}, "")
        sys.stderr.write(f"Refused: {refused.message}\nAdd --force to replace them.\n")
        return 2
    if not ctx.as_json and sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 60 + "\r")
    ctx.emit(result.as_dict(), _describe(result))
    return 0


def _describe(result: ExportResult) -> str:
    lines = [f"{result.kind.capitalize()} report exported."]
    if result.pdf:
        lines.append(f"PDF: {result.pdf}")
    if result.csv_files:
        files = counted(len(result.csv_files), "file")
        lines.append(f"CSV: {files} in {result.csv_files[0].parent}")
    if result.manifest:
        lines.append(f"Manifest: {result.manifest}")
    lines.append("Rows: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()))
    lines.append(f"Data digest: {result.digest}")
    lines.append(f"Signing key: {result.fingerprint}")
    lines.append(f"Audit tree head: {counted(result.tree_size, 'event')}, root {result.tree_root}")
    if result.previous_tree_size is None:
        lines.append("Previous export: none (no earlier tree head to prove against)")
    else:
        state = "consistent" if result.consistent_with_previous else "NOT CONSISTENT"
        lines.append(f"Previous export: {counted(result.previous_tree_size, 'event')}, {state}")
    if result.leaves_file:
        lines.append(f"Audit tree leaves: {result.leaves_file}")
    return "\n".join(lines)


def _verify(args: argparse.Namespace, ctx: Context) -> int:
    from reports.verify import verify_against, verify_file

    clinic = _clinic_fingerprint(ctx)
    if args.previous is not None:
        result = verify_against(args.file, args.previous)
        if result.ok and (args.fingerprint or clinic):
            pinned = verify_file(
                args.file, expected_fingerprint=args.fingerprint, clinic_fingerprint=clinic
            )
            result = result if pinned.ok and not pinned.warnings else pinned
    else:
        result = verify_file(
            args.file, expected_fingerprint=args.fingerprint, clinic_fingerprint=clinic
        )
    if ctx.as_json:
        ctx.emit(result.as_dict(), "")
    elif result.ok and result.warnings:
        for warning in result.warnings:
            sys.stderr.write(f"WARNING: {warning}\n")
        ctx.emit(None, "Intact, but not signed by this clinic: " + result.sentence)
    elif result.ok:
        ctx.emit(None, "OK: " + result.sentence)
    else:
        sys.stderr.write(f"FAILED: {result.sentence}\n")
        if result.fingerprint:
            sys.stderr.write(f"Signing key: {result.fingerprint}\n")
    return 0 if result.ok and not result.warnings else 3


def _clinic_fingerprint(ctx: Context) -> str | None:
    """The clinic's own certificate's fingerprint when its ledger is at hand, else None.

    An inspector verifies without any ledger: nothing is created or asked for then.
    """
    from inventory.db import sqlite_path
    from inventory.ledger import resolve_url

    try:
        url = resolve_url(ctx.db_url)
        path = sqlite_path(url)
        if path is not None and not (path.is_file() and path.stat().st_size > 0):
            return None
        from inventory.signing_key import fingerprint
        from inventory.staff import certificate

        with ctx.db.read() as conn:
            cert = certificate(conn)
    except Exception:  # no usable ledger here: verify works from the files alone
        return None
    return fingerprint(cert) if cert else None
