"""Telling affected clients of a recall: who they are, and each contact made.

A recall's affected clients are the clients of the sessions that used a unit the recall
names (sterility.recalls.named_units), whenever it was used. A client is one blind index
(the keyed hash of their reference), so several sessions of one client are one client to
call; a ledger from before encryption groups by its clear reference. Each contact (a
call, an SMS, a letter, even one that did not reach them) is an append-only row bound to
its audit event, so an inspector can see which affected clients were told, when, how and
by whom, and which were not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select

from inventory import audit
from inventory.access import Actor
from inventory.bindings import binding
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.keyring import Keyring
from inventory.models import Unit
from inventory.settings import clinic_tz
from inventory.text import clean
from sterility import clients
from sterility.models import (
    CONTACT_METHODS,
    Recall,
    RecallContact,
    TreatmentSession,
    UnitUse,
)
from sterility.recalls import named_units

METHOD_WORDS = {
    "phone": "phone call",
    "sms": "text message",
    "email": "email",
    "letter": "letter",
    "in_person": "in person",
}


@dataclass(frozen=True)
class Contact:
    """One contact made (or tried) with an affected client."""

    id: int
    session_id: int
    method: str
    reached: bool
    note: str
    contacted_at: datetime
    recorded_by: str
    recorded_at: datetime

    @property
    def method_words(self) -> str:
        return METHOD_WORDS.get(self.method, self.method)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "session": self.session_id,
            "method": self.method,
            "method_words": self.method_words,
            "reached": self.reached,
            "note": self.note,
            "contacted_at": self.contacted_at.isoformat(),
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat(),
        }


@dataclass
class AffectedClient:
    """A client who was treated with a recalled unit, and what was done to tell them."""

    client: str
    """The reference as the caller may see it (clients.HIDDEN without the data key)."""
    client_cipher: str | None
    client_ref: str | None
    sessions: list[int] = field(default_factory=list)
    uses: int = 0
    first_used: datetime | None = None
    last_used: datetime | None = None
    contacts: list[Contact] = field(default_factory=list)

    @property
    def contacted(self) -> bool:
        """Reached at least once (an attempt that did not reach them does not count)."""
        return any(c.reached for c in self.contacts)

    @property
    def last_contact(self) -> Contact | None:
        return self.contacts[-1] if self.contacts else None

    def as_dict(self) -> dict[str, object]:
        """What the caller may see: the reference as shown, never the stored cipher."""
        return {
            "client": self.client,
            "sessions": list(self.sessions),
            "uses": self.uses,
            "first_used": self.first_used.isoformat() if self.first_used else None,
            "last_used": self.last_used.isoformat() if self.last_used else None,
            "contacted": self.contacted,
            "contacts": [c.as_dict() for c in self.contacts],
        }


def affected_clients(
    conn: Connection, recall_id: int, keys: Keyring | None = None
) -> list[AffectedClient]:
    """Each client treated with a unit this recall names, with their contacts, in order
    of first use."""
    uses = conn.execute(
        select(
            TreatmentSession.id,
            TreatmentSession.client_key,
            TreatmentSession.client_cipher,
            TreatmentSession.client_ref,
            UnitUse.used_at,
        )
        .join(UnitUse, UnitUse.session_id == TreatmentSession.id)
        .join(Unit, Unit.id == UnitUse.unit_id)
        .where(Unit.id.in_(named_units(recall_id)))
        .order_by(UnitUse.used_at, UnitUse.id)
    ).all()
    found: dict[str, AffectedClient] = {}
    of_session: dict[int, AffectedClient] = {}
    for session_id, key, cipher, legacy, used_at in uses:
        who = key or f"ref:{legacy}"
        client = found.get(who)
        if client is None:
            client = found[who] = AffectedClient(
                clients.shown(keys, cipher, legacy), cipher, legacy
            )
            client.first_used = used_at
        if session_id not in client.sessions:
            client.sessions.append(session_id)
        client.uses += 1
        client.last_used = used_at
        of_session[session_id] = client
    for contact in contacts_of(conn, recall_id):
        client = of_session.get(contact.session_id)
        if client is not None:
            client.contacts.append(contact)
    return list(found.values())


def contacts_of(conn: Connection, recall_id: int) -> list[Contact]:
    """Every contact recorded for a recall, in the order they were made."""
    rows = conn.execute(
        select(
            RecallContact.id,
            RecallContact.session_id,
            RecallContact.method,
            RecallContact.reached,
            RecallContact.note,
            RecallContact.contacted_at,
            RecallContact.recorded_by,
            RecallContact.recorded_at,
        )
        .where(RecallContact.recall_id == recall_id)
        .order_by(RecallContact.contacted_at, RecallContact.id)
    )
    return [Contact(*row) for row in rows]


def record_contact(
    db: Database,
    recall_id: int,
    session_id: int,
    *,
    method: str,
    by: Actor,
    reached: bool = True,
    note: str = "",
    contacted_at: datetime | None = None,
) -> int:
    """Record that the client of ``session_id`` was told (or tried) about a recall.

    The session must be one that used a unit the recall names: a contact is recorded for
    an affected client only. ``contacted_at`` defaults to now and is never in the future;
    without a time zone it is the clinic's wall-clock time (what staff type).
    Returns the contact's number.
    """
    by.require("recall_contacts")
    if method not in CONTACT_METHODS:
        raise InvalidInput(
            f"Say how the client was contacted: one of {', '.join(CONTACT_METHODS)}."
        )
    note = clean(note, "note", max_len=2000) if note.strip() else ""
    with db.write() as conn:
        if conn.execute(select(Recall.id).where(Recall.id == recall_id)).first() is None:
            raise NotFound(f"There is no recall {recall_id}.")
        affected = conn.execute(
            select(UnitUse.id)
            .join(Unit, Unit.id == UnitUse.unit_id)
            .where(UnitUse.session_id == session_id, Unit.id.in_(named_units(recall_id)))
            .limit(1)
        ).first()
        if affected is None:
            raise InvalidInput(
                f"Session {session_id} used no unit that recall {recall_id} names: its "
                "client is not affected, so no contact is recorded."
            )
        now = db.now(conn)
        when = now if contacted_at is None else contacted_at
        if when.tzinfo is None:
            when = when.replace(tzinfo=clinic_tz(conn))
        when = when.astimezone(UTC)
        if when > now:
            raise InvalidInput("A contact is recorded once it was made: the time is in the future.")
        values = {
            "recall_id": recall_id,
            "session_id": session_id,
            "method": method,
            "reached": reached,
            "note": note,
            "contacted_at": when,
            "recorded_by": by.name,
            "recorded_by_id": by.staff_id or None,
            "recorded_at": now,
        }
        contact_id = conn.execute(
            insert(RecallContact).values(**values).returning(RecallContact.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            by=by,
            action="contact",
            entity="recall",
            entity_id=recall_id,
            new={
                "session": session_id,
                "method": method,
                "reached": reached,
                "note": note,
                "contacted_at": when.isoformat(),
            },
            row=binding("recall_contact", contact_id, values),
        )
        return int(contact_id)
