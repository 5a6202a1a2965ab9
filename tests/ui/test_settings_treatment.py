"""Settings > Treatment: the depth guidance, the series, the aftercare contact and the forms
a manager changes, and the chair using them at the next session."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from inventory import receiving, settings
from inventory.db import Database
from inventory.models import AuditEvent
from sterility import forms, guidance, intake, series
from tests.people import staff
from tests.ui.chair_helpers import fill_intake, ready_room
from tests.ui.helpers import find, is_closed, open_dialog, wait_idle
from ui.main_window import MainWindow
from ui.screens.chair import ChairScreen
from ui.screens.settings import SettingsScreen

Opener = Callable[..., MainWindow]


def treatment_tab(qtbot: QtBot, window: MainWindow) -> SettingsScreen:
    window.show_screen("settings")
    screen = window.screens["settings"]
    assert isinstance(screen, SettingsScreen)
    screen.tabs.setCurrentWidget(screen.treatment)
    wait_idle(qtbot, window)
    return screen


def chair_of(qtbot: QtBot, window: MainWindow) -> ChairScreen:
    window.show_screen("chair")
    wait_idle(qtbot, window)
    chair = window.screens["chair"]
    assert isinstance(chair, ChairScreen)
    return chair


def test_a_manager_saves_a_depth_range_and_the_chair_uses_it(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    window = open_window()
    screen = treatment_tab(qtbot, window)
    low = find(screen, QDoubleSpinBox, "Shortest needle for acne scars")
    high = find(screen, QDoubleSpinBox, "Longest needle for acne scars")
    assert (low.value(), high.value()) == (1.0, 2.5)  # the defaults
    low.setValue(1.25)
    high.setValue(2.0)
    find(screen, QPushButton, "Save depth guidance").click()
    wait_idle(qtbot, window)
    result = find(screen, QLabel, "Depth guidance result")
    assert result.text() == "Saved: acne scars 1.25 to 2.0 mm."
    with ledger.read() as conn:
        saved = guidance.range_for(conn, "acne_scars")
        actors = conn.execute(
            select(AuditEvent.actor).where(AuditEvent.entity_id == "depth.acne_scars")
        ).scalars()
        assert list(actors) == ["Test Manager"]
    assert (saved.min_um, saved.max_um) == (1250, 2000)

    chair = chair_of(qtbot, window)
    find(chair, QComboBox, "Concern").setCurrentText("acne scars")
    line = find(chair, QLabel, "Depth guidance")
    assert line.text().startswith("Clinic range for acne scars: 1.25 to 2.0 mm.")


def test_a_shortest_needle_longer_than_the_longest_is_refused_in_words(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    window = open_window()
    screen = treatment_tab(qtbot, window)
    find(screen, QDoubleSpinBox, "Shortest needle for fine lines").setValue(2.0)
    find(screen, QPushButton, "Save depth guidance").click()
    wait_idle(qtbot, window)
    said = find(screen, QLabel, "Depth guidance result").text()
    assert "is longer than the longest" in said
    with ledger.read() as conn:
        assert guidance.range_for(conn, "fine_lines").min_um == 500


def test_a_new_screening_version_is_asked_at_the_next_session(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    window = open_window()
    screen = treatment_tab(qtbot, window)
    line = find(screen, QLabel, "Screening form in force")
    assert line.text().startswith("Version 1: Screening before microneedling (4 questions)")
    find(screen, QPushButton, "New version of the screening form").click()
    dialog = open_dialog(qtbot, "New screening version")
    questions = find(dialog, QTableWidget, "Screening questions")
    assert questions.rowCount() == 4
    questions.selectRow(2)  # rosacea: the clinic asks it another way
    find(dialog, QPushButton, "Remove question").click()
    find(dialog, QPushButton, "Add question").click()
    questions.item(3, 1).setText("Taking blood thinners?")
    find(dialog, QPushButton, "Save new version").click()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: is_closed(dialog))
    with ledger.read() as conn:
        current = forms.current(conn, "screening")
    assert current.version == 2
    assert [i.key for i in current.items] == ["acne", "eczema", "keloid", "taking_blood_thinners"]
    qtbot.waitUntil(lambda: line.text().startswith("Version 2:"))
    assert "Saved screening form version 2" in find(screen, QLabel, "Forms result").text()

    ready_room(ledger)
    chair = chair_of(qtbot, window)
    qtbot.waitUntil(lambda: "taking_blood_thinners" in chair.intake.answer_buttons)
    assert "Screening (version 2)" in chair.intake.screening_title.text()
    find(chair, QLineEdit, "Client reference").setText("C-2")
    fill_intake(qtbot, chair)
    find(chair, QPushButton, "Open session").click()
    wait_idle(qtbot, window)
    assert chair.session is not None
    with ledger.read() as conn:
        recorded = intake.intake_of(conn, chair.session.id)
    assert recorded is not None and recorded.screening_version == 2
    assert [a.key for a in recorded.answers] == [
        "acne",
        "eczema",
        "keloid",
        "taking_blood_thinners",
    ]


def test_a_bad_screening_key_keeps_the_dialog_open_with_the_reason(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    window = open_window()
    screen = treatment_tab(qtbot, window)
    find(screen, QPushButton, "New version of the screening form").click()
    dialog = open_dialog(qtbot, "New screening version")
    questions = find(dialog, QTableWidget, "Screening questions")
    questions.item(0, 0).setText("Active Acne!")
    find(dialog, QPushButton, "Save new version").click()
    wait_idle(qtbot, window)
    problem = find(dialog, QLabel, "Problem")
    qtbot.waitUntil(problem.isVisible)
    assert "is not a short word of lowercase letters" in problem.text()
    with ledger.read() as conn:
        assert forms.current(conn, "screening").version == 1
    dialog.reject()


def test_a_new_consent_version_is_the_one_the_client_signs(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    window = open_window()
    screen = treatment_tab(qtbot, window)
    find(screen, QPushButton, "New version of the consent form").click()
    dialog = open_dialog(qtbot, "New consent form version")
    text = find(dialog, QPlainTextEdit, "Form text")
    assert "microneedling" in text.toPlainText().lower()  # starts from the version in force
    text.setPlainText(text.toPlainText() + "\n\nPhotographs are taken only with my consent.")
    find(dialog, QPushButton, "Save new version").click()
    wait_idle(qtbot, window)
    with ledger.read() as conn:
        consent = forms.current(conn, "consent")
    assert consent.version == 2 and consent.body.endswith("only with my consent.")
    chair = chair_of(qtbot, window)
    qtbot.waitUntil(lambda: chair.intake.consent.text() == "Client signed consent form v2")


def test_an_aftercare_sheet_in_a_language_is_offered_at_the_chair(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    window = open_window()
    screen = treatment_tab(qtbot, window)
    find(screen, QPushButton, "New version of the aftercare sheet").click()
    dialog = open_dialog(qtbot, "New aftercare sheet version")
    find(dialog, QComboBox, "Aftercare language").setCurrentText("Español")
    find(dialog, QLineEdit, "Form title").setText("Cuidados después del microneedling")
    find(dialog, QPlainTextEdit, "Form text").setPlainText(
        "Durante 24 horas: sin sol, sin maquillaje. Use protector solar SPF 30 o más."
    )
    find(dialog, QPushButton, "Save new version").click()
    wait_idle(qtbot, window)
    with ledger.read() as conn:
        spanish = forms.current(conn, "aftercare", "Español")
    assert (spanish.language, spanish.version) == ("Español", 1)
    line = find(screen, QLabel, "Aftercare sheet in force")
    qtbot.waitUntil(lambda: "Also in Español (version 1)" in line.text())
    chair = chair_of(qtbot, window)
    language = find(chair, QComboBox, "Aftercare language")
    qtbot.waitUntil(lambda: language.count() == 2)
    assert [language.itemText(i) for i in range(2)] == ["Clinic's own", "Español"]


def test_the_clinic_contact_is_saved_for_the_aftercare_sheet(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    window = open_window()
    screen = treatment_tab(qtbot, window)
    contact = find(screen, QLineEdit, "Clinic contact (phone, address)")
    contact.setText("02 9555 0142 · 12 Harbour St, Sydney")
    find(screen, QPushButton, "Save clinic contact").click()
    wait_idle(qtbot, window)
    with ledger.read() as conn:
        assert settings.read_all(conn)["clinic_contact"] == "02 9555 0142 · 12 Harbour St, Sydney"
    assert "Saved" in find(screen, QLabel, "Clinic contact result").text()


def test_series_settings_are_saved(qtbot: QtBot, open_window: Opener, ledger: Database) -> None:
    window = open_window()
    screen = treatment_tab(qtbot, window)
    find(screen, QSpinBox, "Sessions in a series").setValue(4)
    find(screen, QSpinBox, "Fewest days between sessions").setValue(30)
    find(screen, QPushButton, "Save series settings").click()
    wait_idle(qtbot, window)
    with ledger.read() as conn:
        rules = series.rules(conn)
    assert (rules.planned, rules.min_days, rules.max_days) == (4, 30, 42)


def test_a_practitioner_reads_the_treatment_settings_but_changes_nothing(
    qtbot: QtBot, open_window: Opener
) -> None:
    window = open_window(actor=staff("Sam Okafor"))
    screen = treatment_tab(qtbot, window)
    assert find(screen, QLabel, "Consent form in force").text().startswith("Version 1")
    for cls, name in (
        (QDoubleSpinBox, "Shortest needle for texture and pores"),
        (QPushButton, "Save depth guidance"),
        (QPushButton, "New version of the screening form"),
        (QPushButton, "Save clinic contact"),
        (QSpinBox, "Sessions in a series"),
    ):
        widget = find(screen, cls, name)
        assert not widget.isEnabled(), name
    assert find(screen, QPushButton, "View the consent form").isEnabled()
    tip = find(screen, QPushButton, "New version of the screening form").toolTip()
    assert "Only a manager can change the screening" in tip
