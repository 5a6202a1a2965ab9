"""Affected clients of a recall, and each contact made to tell them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inventory import audit
from inventory.access import NotAllowed
from inventory.db import Database
from inventory.errors import InvalidInput
from sterility import recall_contacts, recalls, sessions
from sterility.chair import use_unit
from tests.conftest import GTIN_10
from tests.people import clear_intake, staff


def _codes(receipt, lot: str) -> list[str]:
    return next(line.unit_codes for line in receipt.lines if line.lot == lot)


def _treated(db: Database, stocked, client: str, *codes: str) -> int:
    sid = sessions.open_session(
        db, client_ref=client, area="face", depth_mm="1.0", by=staff("Sam"), intake=clear_intake()
    ).id
    for code in codes:
        use_unit(db, sid, code, by=staff("Sam"))
    return sid


def _recall(db: Database) -> int:
    return recalls.enter_recall(
        db, gtin=GTIN_10, lots=["B200"], reference="FSN-9", notice_text="seal", by=staff("Manager")
    ).recall_id


def test_affected_clients_are_grouped_and_their_contacts_recorded(
    db: Database, stocked, clock
) -> None:
    b200 = _codes(stocked, "B200")
    first = _treated(db, stocked, "C-1", b200[0])
    again = _treated(db, stocked, "C-1", b200[1])  # the same client, a second session
    other = _treated(db, stocked, "C-2", b200[2])
    _treated(db, stocked, "C-3", _codes(stocked, "A100")[0])  # another lot: not affected
    recall_id = _recall(db)
    manager = staff("Manager")

    with db.read() as conn:
        before = recall_contacts.affected_clients(conn, recall_id, manager.keys)
    assert [(c.client, c.sessions, c.uses, c.contacted) for c in before] == [
        ("C-1", [first, again], 2, False),
        ("C-2", [other], 1, False),
    ]

    clock.advance(hours=2)
    recall_contacts.record_contact(
        db, recall_id, first, method="phone", reached=False, note="no answer", by=staff("Sam")
    )
    recall_contacts.record_contact(
        db, recall_id, again, method="sms", note="told; follow-up booked", by=staff("Sam")
    )
    with db.read() as conn:
        after = recall_contacts.affected_clients(conn, recall_id, manager.keys)
        inspector_view = recall_contacts.affected_clients(conn, recall_id, None)
        assert audit.verify(conn).ok  # each contact bound to its event
    c1, c2 = after
    assert c1.contacted and not c2.contacted
    assert [(c.method_words, c.reached, c.recorded_by) for c in c1.contacts] == [
        ("phone call", False, "Sam"),
        ("text message", True, "Sam"),
    ]
    assert [c.client for c in inspector_view] == ["(hidden)", "(hidden)"]


def test_a_contact_is_refused_for_a_client_the_recall_does_not_touch(db: Database, stocked) -> None:
    unaffected = _treated(db, stocked, "C-3", _codes(stocked, "A100")[0])
    recall_id = _recall(db)
    with pytest.raises(InvalidInput, match="its client is not affected"):
        recall_contacts.record_contact(db, recall_id, unaffected, method="phone", by=staff("Sam"))
    with pytest.raises(InvalidInput, match="one of phone, sms"):
        recall_contacts.record_contact(db, recall_id, unaffected, method="pigeon", by=staff("Sam"))


def test_a_contact_in_the_future_or_by_an_inspector_is_refused(
    db: Database, stocked, clock
) -> None:
    sid = _treated(db, stocked, "C-1", _codes(stocked, "B200")[0])
    recall_id = _recall(db)
    later = clock.at + timedelta(days=1)
    with pytest.raises(InvalidInput, match="in the future"):
        recall_contacts.record_contact(
            db, recall_id, sid, method="phone", contacted_at=later, by=staff("Sam")
        )
    with pytest.raises(NotAllowed):
        recall_contacts.record_contact(db, recall_id, sid, method="phone", by=staff("Inspector"))
