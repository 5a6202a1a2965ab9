"""The command line for a recall's aftermath: who was told, stock sent back, recall closed."""

from __future__ import annotations

import json

import pytest

from commands import cli
from inventory.db import Database
from sterility import recalls, sessions
from sterility.chair import use_unit
from tests.conftest import GTIN_10
from tests.people import clear_intake, staff


def _codes(receipt, lot: str) -> list[str]:
    return next(line.unit_codes for line in receipt.lines if line.lot == lot)


@pytest.fixture
def recall_id(db: Database, stocked) -> int:
    """Recall 1 of lot B200: C-1 treated twice with it, C-2 once; C-3 with another lot."""
    b200, a100 = _codes(stocked, "B200"), _codes(stocked, "A100")
    for client, code in (("C-1", b200[0]), ("C-1", b200[1]), ("C-2", b200[2]), ("C-3", a100[0])):
        sid = sessions.open_session(
            db, client_ref=client, area="face", depth_mm="1.0", by=staff("Sam"),
            intake=clear_intake(),
        ).id
        use_unit(db, sid, code, by=staff("Sam"))
    return recalls.enter_recall(
        db, gtin=GTIN_10, lots=["B200"], reference="FSN-9", notice_text="seal", by=staff("Manager")
    ).recall_id


def _run(capsys, db_url: str, *args: str, user: str | None = None) -> tuple[int, str, str]:
    argv = ["--db", db_url, *(["--user", user] if user else []), *args]
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _usage(capsys, db_url: str, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--db", db_url, *args])
    return int(exit_.value.code), capsys.readouterr().err


def test_contacts_are_listed_recorded_and_listed_again(capsys, db_url: str, recall_id) -> None:
    code, out, _ = _run(capsys, db_url, "recall-contacts", str(recall_id))
    assert code == 0
    assert "2 affected client(s), 2 not yet contacted" in out
    assert "C-1" in out and "C-2" in out and "C-3" not in out
    assert out.count("NOT YET") == 2

    code, out, _ = _run(
        capsys,
        db_url,
        "recall-contact",
        str(recall_id),
        "--session",
        "1",
        "--method",
        "phone",
        "--note",
        "told; follow-up booked",
    )
    assert code == 0
    assert out.startswith(f"Contact 1 recorded for recall {recall_id}, session 1: phone call,")
    assert "by Test Manager." in out

    code, out, _ = _run(
        capsys,
        db_url,
        "recall-contact",
        str(recall_id),
        "--client-ref",
        "C-2",
        "--method",
        "letter",
        "--not-reached",
        "--at",
        "2026-03-10 09:15",
    )
    assert code == 0 and "session 3: letter, not reached, 2026-03-10 09:15" in out

    code, out, _ = _run(capsys, db_url, "recall-contacts", str(recall_id), "--json")
    assert code == 0
    data = json.loads(out)
    by_client = {c["client"]: c for c in data["clients"]}
    assert by_client["C-1"]["contacted"] is True
    assert [
        (c["method"], c["recorded_by"], c["note"]) for c in by_client["C-1"]["contacts"]
    ] == [("phone", "Test Manager", "told; follow-up booked")]
    assert by_client["C-2"]["contacted"] is False  # a letter that did not reach them
    assert [c["client"] for c in data["not_contacted"]] == ["C-2"]
    assert data["units"]["received"] == 10 and data["units"]["used"] == 3

    code, out, _ = _run(capsys, db_url, "recall-contacts", str(recall_id))
    assert "letter (not reached), by Test Manager" in out
    assert "1 not yet contacted" in out


def test_wrong_contacts_are_refused_in_words(capsys, db_url: str, recall_id) -> None:
    code, err = _usage(
        capsys, db_url, "recall-contact", str(recall_id), "--session", "1", "--method", "fax"
    )
    assert code == 2 and "invalid choice: 'fax'" in err
    code, err = _usage(capsys, db_url, "recall-contact", str(recall_id), "--method", "phone")
    assert code == 2 and "one of the arguments --session --client-ref is required" in err
    code, err = _usage(
        capsys, db_url, "recall-contact", str(recall_id), "--session", "1", "--method", "phone",
        "--at", "yesterday",
    )  # fmt: skip
    assert code == 2 and "is not a time like" in err

    code, _, err = _run(
        capsys, db_url, "recall-contact", str(recall_id), "--session", "4", "--method", "phone"
    )
    assert code == 3 and "its client is not affected, so no contact is recorded" in err
    code, _, err = _run(
        capsys, db_url, "recall-contact", str(recall_id), "--client-ref", "C-9", "--method", "sms"
    )
    assert code == 3 and "No client with reference 'C-9' used a unit that recall" in err
    code, _, err = _run(capsys, db_url, "recall-contacts", "99")
    assert code == 3 and "There is no recall 99." in err


def test_an_inspector_sees_no_client_reference_and_records_nothing(
    capsys, db_url: str, recall_id
) -> None:
    code, out, _ = _run(capsys, db_url, "recall-contacts", str(recall_id), user="Inspector")
    assert code == 0 and "C-1" not in out and "(hidden)" in out
    code, _, err = _run(
        capsys,
        db_url,
        "recall-contact",
        str(recall_id),
        "--session",
        "1",
        "--method",
        "phone",
        user="Inspector",
    )
    assert code == 3 and "cannot record that a client was told of a recall" in err


def test_recall_stock_is_returned_and_the_recall_closed_with_who_and_when(
    capsys, db_url: str, recall_id
) -> None:
    code, out, _ = _run(capsys, db_url, "recall-return", str(recall_id), "--reason", "RMA-118")
    assert code == 0 and out.startswith("7 unit(s) returned to the supplier: ")
    code, out, _ = _run(capsys, db_url, "return", "A100", "--reason", "RMA-119 wrong length")
    assert code == 0 and out.startswith("9 unit(s) returned to the supplier")
    assert "1 unit(s) left as they were (" in out and "is used)" in out

    code, out, _ = _run(
        capsys, db_url, "recall-close", str(recall_id), "--note", "7 units back under RMA-118"
    )
    assert code == 0
    assert out.startswith(f"Recall {recall_id} (FSN-9) closed on ")
    assert out.rstrip().endswith("by Test Manager: 7 units back under RMA-118")
    code, out, _ = _run(capsys, db_url, "recalls", "--json")
    [row] = json.loads(out)
    assert (row["closed_by"], row["close_note"]) == ("Test Manager", "7 units back under RMA-118")
