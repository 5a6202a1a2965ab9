"""Opening sessions in UI tests: the chair's intake filled in as a person does, and
sessions opened straight through the service (with an intake) for the test's story."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QRadioButton
from pytestqt.qtbot import QtBot

from inventory.access import Actor
from inventory.db import Database
from sterility import forms, sessions, sharps
from sterility.intake import OPEN_KINDS, Intake
from sterility.sessions import SessionInfo
from tests.people import staff
from tests.ui.helpers import find
from ui.screens.chair import ChairScreen

ROOM = "Room 1"


def ready_room(db: Database, room: str = ROOM) -> None:
    """A sharps container open at the room, so opening there gives no warning."""
    sharps.open_container(db, room, label=f"{room} bin", by=staff("Test Manager"))


def tick(qtbot: QtBot, box: QCheckBox) -> None:
    """Click a check box on its box (its right-hand part is only room, not the box)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def fill_intake(
    qtbot: QtBot,
    chair: ChairScreen,
    *,
    concern: str = "texture and pores",
    yes: tuple[str, ...] = (),
    consent: bool = True,
    pen: str | None = None,
    room: str = ROOM,
) -> None:
    """Concern, every screening question (No unless its key is in ``yes``), the consent,
    the pen with its new sleeve, the room: clicked and typed, the way a person does."""
    qtbot.waitUntil(lambda: chair.intake.choices is not None)
    first = next(iter(chair.intake.answer_buttons.values()))[0]
    qtbot.waitUntil(first.isVisible)  # the questions are shown once laid out
    find(chair, QComboBox, "Concern").setCurrentText(concern)
    for key, (no, yes_button) in chair.intake.answer_buttons.items():
        button = yes_button if key in yes else no
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert isinstance(button, QRadioButton) and button.isChecked(), key
    consent_box = chair.intake.consent
    if consent_box.isChecked() != consent:
        tick(qtbot, consent_box)
    if pen is not None:
        find(chair, QComboBox, "Pen").setCurrentIndex(chair.intake.pen.findData(pen))
        sleeve = find(chair, QCheckBox, "New barrier sleeve fitted")
        if not sleeve.isChecked():
            tick(qtbot, sleeve)
    room_field = find(chair, QLineEdit, "Room")
    room_field.setText(room)


def intake_for(
    db: Database,
    *,
    concern: str = "texture",
    room: str = "",
    pen: str | None = None,
    answers: Mapping[str, bool] | None = None,
    confirm: bool = True,
    override_reason: str = "",
) -> Intake:
    """An intake with every current screening question answered No (or as given), the
    current consent, and (``confirm``) every open-time warning confirmed."""
    with db.read() as conn:
        screening = forms.current(conn, "screening")
        consent = forms.current(conn, "consent")
    given = {item.key: False for item in screening.items} | dict(answers or {})
    return Intake(
        concern=concern,
        answers=given,
        consent_version=consent.version,
        pen_serial=pen,
        sleeve_fitted=pen is not None,
        room=room,
        override_reason=override_reason,
        confirmations={kind: "test" for kind in OPEN_KINDS} if confirm else {},
    )


def open_direct(
    db: Database,
    *,
    client_ref: str,
    practitioner: str,
    area: str = "face",
    depth_mm: str = "0.5",
    by: Actor | None = None,
    concern: str = "texture",
    room: str = "",
) -> SessionInfo:
    """A session opened through the service, as another workstation would."""
    return sessions.open_session(
        db,
        client_ref=client_ref,
        practitioner=practitioner,
        area=area,
        depth_mm=depth_mm,
        by=by or staff(practitioner),
        intake=intake_for(db, concern=concern, room=room),
    )
