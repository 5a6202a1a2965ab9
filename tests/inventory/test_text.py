"""Names in any script are stored in one Unicode form, and disguised text is refused."""

from __future__ import annotations

import re
import unicodedata

import pytest
from sqlalchemy import select

from inventory import staff as staff_accounts
from inventory.db import Database
from inventory.errors import InvalidInput
from inventory.text import clean
from sterility import sessions
from sterility.models import TreatmentSession
from tests import people
from tests.people import clear_intake, staff


def test_decomposed_name_is_stored_composed(db: Database) -> None:
    typed = unicodedata.normalize("NFD", "Zoë Ångström")
    assert typed != "Zoë Ångström"
    staff_accounts.add_staff(db, name=typed, role="practitioner", password=people.PASSWORD,
                             by=staff("Front desk"))
    info = sessions.open_session(db, client_ref="C-1", practitioner=typed, area="face",
                                 depth_mm="0.5", by=staff("Front desk"), intake=clear_intake())
    assert info.practitioner == "Zoë Ångström"
    with db.read() as conn:
        found = conn.execute(select(TreatmentSession.id).where(
            TreatmentSession.practitioner == "Zoë Ångström")).scalars().all()
    assert found == [info.id]


@pytest.mark.parametrize("name", ["李静", "محمد الحداد", "Ольга", "Νίκη", "Nguyễn Thị Hồng"])
def test_names_in_any_script_round_trip(db: Database, name: str) -> None:
    if name not in people.ROSTER:
        staff_accounts.add_staff(db, name=name, role="practitioner", password=people.PASSWORD,
                                 by=staff("Front desk"))
    info = sessions.open_session(db, client_ref=name, practitioner=name, area="face",
                                 depth_mm="0.5", by=staff("Front desk"), intake=clear_intake())
    with db.read() as conn:
        stored = sessions.get_session(conn, info.id, staff("Front desk").keys)
        hidden = sessions.get_session(conn, info.id)  # no key: the client stays hidden
    assert (stored.client_ref, stored.practitioner) == (name, name)
    assert hidden.client_ref == "(hidden)"


@pytest.mark.parametrize(("value", "message"), [
    ("Eve\u202elive", "invisible character (U+202E)"),
    ("Bob\u200b", "invisible character (U+200B)"),
    ("Ann\x07", "control character (U+0007)"),
    ("   ", "is required"),
    ("x" * 121, "longer than 120 characters"),
])
def test_disguised_or_empty_names_are_refused(value: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        clean(value, "practitioner's name")
