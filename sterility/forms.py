"""The clinic's forms in versions: screening questions, consent text, aftercare sheet.

A form never changes in place: a manager adds its next version, and every session keeps
the ids of the versions it was opened under, so a record always shows the questions the
client answered and the text they signed. Each kind has a built-in version 1 (the texts
below); it is stored, with its audit event, the first time a session or a manager needs
that kind, in the same transaction. Aftercare versions may be in a client's language
(``language`` names it; "" is the clinic's own): a language with no version of its own
falls back to the clinic's own text.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from inventory import audit
from inventory.access import Actor
from inventory.bindings import binding
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.text import clean
from sterility.care_models import FORM_KINDS, FormVersion

KIND_WORDS = {
    "screening": "screening form",
    "consent": "consent form",
    "aftercare": "aftercare sheet",
}
MAX_ITEMS = 20
_KEY = re.compile(r"[a-z0-9_]+")

SCREENING_V1: tuple[tuple[str, str], ...] = (
    ("acne", "Active acne in the area to be treated?"),
    ("eczema", "Eczema in the area?"),
    ("rosacea", "Rosacea?"),
    ("keloid", "A history of keloid scarring?"),
)
CONSENT_V1 = """\
I have told my practitioner about my health, my skin and any medicines I take, and I \
have answered the screening questions truthfully.

Microneedling uses a sterile single-use needle cartridge to make tiny punctures in the \
skin. I understand that afterwards my skin will be red, warm and tight, like a mild \
sunburn, for 24 to 48 hours, and may flake on days 3 to 5; that minor swelling, pinpoint \
bleeding, bruising or dryness can occur; and that, rarely, infection or changes in skin \
colour can follow, especially if the aftercare advice is not followed.

I understand that results build up over several sessions spaced about four to six weeks \
apart, and that no particular result is promised.

I have been given the aftercare advice, I have been able to ask questions, and I agree \
to the treatment. I may stop the treatment at any time."""
AFTERCARE_V1 = """\
For the first 24 hours: no sun, no makeup and no harsh skincare products. Avoid \
strenuous exercise for 24 hours.

Every day: use a gentle cleanser, a fragrance-free moisturiser and a broad-spectrum \
sunscreen of SPF 30 or more.

For 5 to 7 days: no exfoliants, retinoids or other active ingredients.

What is normal: redness, warmth and tightness like a mild sunburn, which pass within 24 \
to 48 hours; flaking or peeling on days 3 to 5.

Call the clinic if redness lasts beyond 3 days, or for swelling that grows, pus, fever \
or severe pain."""
BUILT_IN: dict[str, tuple[str, str]] = {
    "screening": (
        "Screening before microneedling",
        json.dumps([{"key": k, "question": q} for k, q in SCREENING_V1], ensure_ascii=False),
    ),
    "consent": ("Consent to microneedling", CONSENT_V1),
    "aftercare": ("Caring for your skin after microneedling", AFTERCARE_V1),
}


@dataclass(frozen=True)
class ScreeningItem:
    key: str
    question: str


@dataclass(frozen=True)
class FormInfo:
    """One version of a form; ``id`` is None for a built-in version 1 not yet stored."""

    id: int | None
    kind: str
    language: str
    version: int
    title: str
    body: str
    created_by: str
    created_at: datetime | None

    @property
    def stored(self) -> bool:
        return self.id is not None

    @property
    def items(self) -> list[ScreeningItem]:
        """The questions of a screening form (empty for other kinds)."""
        if self.kind != "screening":
            return []
        return [ScreeningItem(i["key"], i["question"]) for i in json.loads(self.body)]

    @property
    def words(self) -> str:
        """ "consent form version 2" (with its language, when it has one)."""
        language = f" ({self.language})" if self.language else ""
        return f"{KIND_WORDS[self.kind]}{language} version {self.version}"

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = asdict(self)
        data["created_at"] = self.created_at.isoformat() if self.created_at else None
        if self.kind == "screening":
            data["items"] = [asdict(i) for i in self.items]
        return data


def check_kind(kind: str) -> str:
    if kind not in FORM_KINDS:
        raise InvalidInput(f"'{kind}' is not a form. Forms: {', '.join(FORM_KINDS)}.")
    return kind


def _language(language: str) -> str:
    return clean(language, "language", max_len=40, required=False)


_COLUMNS = (
    FormVersion.id,
    FormVersion.kind,
    FormVersion.language,
    FormVersion.version,
    FormVersion.title,
    FormVersion.body,
    FormVersion.created_by,
    FormVersion.created_at,
)


def _info(row: Any) -> FormInfo:
    return FormInfo(*row)


def _built_in(kind: str) -> FormInfo:
    title, body = BUILT_IN[kind]
    return FormInfo(None, kind, "", 1, title, body, "built in", None)


def _newest(conn: Connection, kind: str, language: str) -> FormInfo | None:
    row = conn.execute(
        select(*_COLUMNS)
        .where(FormVersion.kind == kind, FormVersion.language == language)
        .order_by(FormVersion.version.desc())
        .limit(1)
    ).first()
    return None if row is None else _info(row)


def current(conn: Connection, kind: str, language: str = "") -> FormInfo:
    """The version in force: the newest stored, else the built-in version 1.

    A language with no version of its own gets the clinic's own (check ``.language``).
    """
    check_kind(kind)
    language = _language(language)
    found = _newest(conn, kind, language)
    if found is None and language:
        return current(conn, kind, "")
    return found or _built_in(kind)


def ensure_current(
    conn: Connection, kind: str, by: Actor, at: datetime, language: str = ""
) -> FormInfo:
    """The version in force, stored: the built-in version 1 is written (with its audit
    event) when the ledger holds none of this kind. Call inside a write transaction."""
    form = current(conn, kind, language)
    if form.stored:
        return form
    return _store(conn, kind, "", 1, form.title, form.body, by, at)


def _store(
    conn: Connection,
    kind: str,
    language: str,
    version: int,
    title: str,
    body: str,
    by: Actor,
    at: datetime,
) -> FormInfo:
    values = {
        "kind": kind,
        "language": language,
        "version": version,
        "title": title,
        "body": body,
        "created_by": by.name,
        "created_by_id": by.staff_id or None,
        "created_at": at,
    }
    form_id = conn.execute(
        insert(FormVersion).values(**values).returning(FormVersion.id)
    ).scalar_one()
    audit.record(
        conn,
        at=at,
        by=by,
        action="create",
        entity="form",
        entity_id=form_id,
        new={"kind": kind, "language": language, "version": version, "title": title},
        row=binding("form_version", form_id, values),
    )
    return FormInfo(int(form_id), kind, language, version, title, body, by.name, at)


def screening_body(text: str) -> str:
    """A screening form's questions checked and written in one form: a JSON list of
    ``{"key", "question"}``, keys of lowercase letters, digits and _, unique, 1 to 20."""
    try:
        items = json.loads(text)
    except ValueError:
        items = None
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("key"), str) and isinstance(i.get("question"), str)
        for i in items
    ):
        raise InvalidInput(
            "A screening form is a list of questions, each with a key and its wording: "
            '[{"key": "acne", "question": "Active acne in the area to be treated?"}, ...].'
        )
    if not 1 <= len(items) <= MAX_ITEMS:
        raise InvalidInput(
            f"A screening form has 1 to {MAX_ITEMS} questions; this one has {len(items)}."
        )
    cleaned, seen = [], set()
    for item in items:
        key = item["key"].strip()
        if not _KEY.fullmatch(key) or len(key) > 40:
            raise InvalidInput(
                f"The screening key '{key}' is not a short word of lowercase letters, "
                "digits and _ (like acne or blood_thinners)."
            )
        if key in seen:
            raise InvalidInput(f"The screening key '{key}' is there twice; each key once.")
        seen.add(key)
        question = clean(item["question"], f"question for '{key}'", max_len=300)
        cleaned.append({"key": key, "question": question})
    return json.dumps(cleaned, ensure_ascii=False)


def add_version(
    db: Database, kind: str, title: str, body: str, *, by: Actor, language: str = ""
) -> FormInfo:
    """A manager's new version of a form; sessions opened from now on use it."""
    by.require("forms")
    check_kind(kind)
    language = _language(language)
    if language and kind != "aftercare":
        raise InvalidInput(
            f"Only the aftercare sheet has versions in a client's language; the {KIND_WORDS[kind]} "
            "is in the clinic's own."
        )
    title = clean(title, "form's title", max_len=200)
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if kind == "screening":
        body = screening_body(body)
    else:
        body = clean(body, f"{KIND_WORDS[kind]}'s text", max_len=20_000, multiline=True)
    with db.write() as conn:
        now = db.now(conn)
        if not language:
            ensure_current(conn, kind, by, now)  # version 1 is always the built-in text
        newest = _newest(conn, kind, language)
        if newest is not None and (newest.title, newest.body) == (title, body):
            raise InvalidInput(f"This is the text of {newest.words} already; nothing was changed.")
        version = (newest.version if newest else 0) + 1
        return _store(conn, kind, language, version, title, body, by, now)


def versions(conn: Connection, kind: str, language: str | None = None) -> list[FormInfo]:
    """The stored versions of a form, oldest first (every language unless one is named)."""
    check_kind(kind)
    query = select(*_COLUMNS).where(FormVersion.kind == kind)
    if language is not None:
        query = query.where(FormVersion.language == _language(language))
    query = query.order_by(FormVersion.language, FormVersion.version)
    return [_info(row) for row in conn.execute(query)]


def languages(conn: Connection, kind: str = "aftercare") -> list[str]:
    """The client languages a form has versions in (the clinic's own, "", left out)."""
    return list(
        conn.execute(
            select(FormVersion.language)
            .where(FormVersion.kind == kind, FormVersion.language != "")
            .group_by(FormVersion.language)
            .order_by(FormVersion.language)
        ).scalars()
    )


def get_form(conn: Connection, form_id: int) -> FormInfo:
    row = conn.execute(select(*_COLUMNS).where(FormVersion.id == form_id)).first()
    if row is None:
        raise NotFound(f"There is no form version {form_id}.")
    return _info(row)


def version_of(conn: Connection, kind: str, version: int, language: str = "") -> FormInfo:
    """One version of a form by number (version 1 is the built-in text until stored)."""
    check_kind(kind)
    language = _language(language)
    row = conn.execute(
        select(*_COLUMNS).where(
            FormVersion.kind == kind,
            FormVersion.language == language,
            FormVersion.version == version,
        )
    ).first()
    if row is not None:
        return _info(row)
    if version == 1 and not language and _newest(conn, kind, "") is None:
        return _built_in(kind)
    newest = conn.execute(
        select(func.max(FormVersion.version)).where(
            FormVersion.kind == kind, FormVersion.language == language
        )
    ).scalar()
    have = f"versions 1 to {newest}" if newest else "no stored version"
    language_words = f" in {language}" if language else ""
    raise NotFound(f"The {KIND_WORDS[kind]}{language_words} has no version {version} ({have}).")
