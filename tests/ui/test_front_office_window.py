"""The desktop app on a PC whose data folder cannot be written: a window says why."""

from __future__ import annotations

from pathlib import Path


def test_the_desktop_app_says_it_in_a_window(qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    import main

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    monkeypatch.setenv("STERILE_LEDGER_HOME", str(blocked))
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, read_and_close)
            return
        seen.append(box.text())
        box.accept()

    QTimer.singleShot(20, read_and_close)
    assert main.main(["--db", "sqlite:///" + str(tmp_path / "l.sqlite3")]) == 3
    assert seen and f"cannot write to its data folder {blocked}" in seen[0]
