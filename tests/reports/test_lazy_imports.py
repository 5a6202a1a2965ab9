"""Opening the desktop app's reports screen loads no report machinery until the first export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
HEAVY = ("pandas", "reportlab", "pyhanko")


def loaded_after(imports: str, heavy: tuple[str, ...]) -> list[str]:
    """Which of ``heavy`` a fresh interpreter holds after ``imports``."""
    code = (
        f"import {imports}; import sys, json; "
        f"print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_reports_screen_and_the_export_api_import_light() -> None:
    assert loaded_after("ui.screens.reports, reports.export", HEAVY) == []


def test_the_desktop_window_starts_without_report_or_barcode_drawing_code() -> None:
    """Start-up loads nothing a first report or label sheet needs: those load on use."""
    heavy = (*HEAVY, "numpy", "zxingcpp", "xlsxwriter", "uharfbuzz")
    assert loaded_after("ui.main_window, ui.app", heavy) == []
