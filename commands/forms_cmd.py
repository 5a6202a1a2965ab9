"""forms list|show|add, guidance list|set: the clinic's forms and its depth guidance."""

from __future__ import annotations

import argparse
from pathlib import Path

from commands.context import Context, add_json_flag, table, whole
from inventory.clock import show_local
from inventory.errors import InvalidInput
from inventory.settings import clinic_tz
from sterility import forms, guidance
from sterility.care_models import CONCERNS, FORM_KINDS
from sterility.forms import FormInfo


def register(sub: argparse._SubParsersAction) -> None:
    frm = sub.add_parser("forms", help="screening, consent and aftercare forms, in versions")
    frm_sub = frm.add_subparsers(dest="forms_command", metavar="ACTION", required=True)
    lst = frm_sub.add_parser("list", help="every form and its versions")
    add_json_flag(lst)
    lst.set_defaults(handler=_list)
    show = frm_sub.add_parser("show", help="a form's text (the current version by default)")
    show.add_argument("kind", choices=FORM_KINDS)
    show.add_argument("--version", type=whole, metavar="N", help="an earlier version")
    show.add_argument("--language", default="", help="an aftercare sheet in a client's language")
    add_json_flag(show)
    show.set_defaults(handler=_show)
    add = frm_sub.add_parser(
        "add",
        help="a new version of a form (manager); sessions opened from now on use it",
        description="The screening form's file is a JSON list of questions: "
        '[{"key": "acne", "question": "Active acne in the area to be treated?"}, ...]; '
        "the consent and aftercare files are plain text.",
    )
    add.add_argument("kind", choices=FORM_KINDS)
    add.add_argument("--title", required=True)
    add.add_argument("--file", required=True, type=Path, metavar="FILE", help="the text (UTF-8)")
    add.add_argument("--language", default="", help="an aftercare sheet in a client's language")
    add_json_flag(add)
    add.set_defaults(handler=_add)

    gd = sub.add_parser("guidance", help="the needle-length range for each skin concern")
    gd_sub = gd.add_subparsers(dest="guidance_command", metavar="ACTION", required=True)
    glist = gd_sub.add_parser("list", help="each concern's range")
    add_json_flag(glist)
    glist.set_defaults(handler=_guidance_list)
    gset = gd_sub.add_parser("set", help="set a concern's range in mm (manager)")
    gset.add_argument("concern", choices=CONCERNS)
    gset.add_argument("min_mm", metavar="MIN", help="the shortest needle length, mm")
    gset.add_argument("max_mm", metavar="MAX", help="the longest needle length, mm")
    add_json_flag(gset)
    gset.set_defaults(handler=_guidance_set)


def _when(form: FormInfo, ctx: Context) -> str:
    if form.created_at is None:
        return "built in"
    with ctx.db.read() as conn:
        tz = clinic_tz(conn)
    return f"{show_local(form.created_at, tz)} by {form.created_by}"


def _list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        stored = {kind: forms.versions(conn, kind) for kind in FORM_KINDS}
        in_force = {kind: forms.current(conn, kind) for kind in FORM_KINDS}  # built in
        tz = clinic_tz(conn)
    rows, data = [], []
    for kind in FORM_KINDS:
        shown = stored[kind] or [in_force[kind]]
        newest = {f.language: f.version for f in shown}  # oldest first: the last one wins
        for form in shown:
            current = form.version == newest[form.language]
            rows.append(
                [
                    kind,
                    form.language or "(clinic's own)",
                    form.version,
                    "yes" if current else "",
                    form.title,
                    show_local(form.created_at, tz) if form.created_at else "built in",
                    form.created_by,
                ]
            )
            data.append(form.as_dict() | {"current": current})
    ctx.emit(
        data,
        table(["Form", "Language", "Version", "Current", "Title", "Added", "By"], rows),
    )
    return 0


def _show(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        if args.version is None:
            form = forms.current(conn, args.kind, args.language)
        else:
            form = forms.version_of(conn, args.kind, args.version, args.language)
    head = f"{form.title} ({form.words}, {_when(form, ctx)})"
    if form.kind == "screening":
        body = "\n".join(f"  {item.key}: {item.question}" for item in form.items)
        body += "\nAnswer each at session open: --screen KEY=yes|no"
    else:
        body = form.body
    if args.language and form.language != args.language.strip():
        head += f"\nNo version in {args.language.strip()}: this is the clinic's own text."
    ctx.emit(form.as_dict(), head + "\n\n" + body)
    return 0


def _add(args: argparse.Namespace, ctx: Context) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            f"The form's text could not be read from {args.file} ({exc}); give a UTF-8 text file."
        ) from exc
    form = forms.add_version(
        ctx.db, args.kind, args.title, text, by=ctx.actor, language=args.language
    )
    ctx.emit(
        form.as_dict(), f"The {form.words} is now in force; sessions opened from now on use it."
    )
    return 0


def _guidance_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        found = guidance.ranges(conn)
    ctx.emit(
        [r.as_dict() for r in found],
        table(["Concern", "Words", "Range"], [[r.concern, r.concern_words, r.words] for r in found])
        + "\nThe clinic's working guidance, not medical advice; outside it the chair asks "
        "for a confirmation.",
    )
    return 0


def _guidance_set(args: argparse.Namespace, ctx: Context) -> int:
    found = guidance.set_range(ctx.db, args.concern, args.min_mm, args.max_mm, by=ctx.actor)
    ctx.emit(found.as_dict(), f"Depth guidance for {found.concern_words}: {found.words}.")
    return 0
