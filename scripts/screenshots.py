"""Render every screen of the desktop app, with demo data, to PNG files.

    make screenshots                       # fills a temporary ledger with the demo first
    python scripts/screenshots.py OUTDIR   # on the ledger of STERILE_LEDGER_HOME / --db
    python scripts/screenshots.py OUTDIR --size 1024x768   # an old front-desk monitor

The window is 1280x800 by default, the size of a small clinic laptop; ``make
screenshots`` also takes every screen at 1024x768 and at 150% scale (QT_SCALE_FACTOR),
each pass in its own folder and on its own copy of the demo. It starts the way a person
does: the first start of a new clinic (on a scratch ledger of its own: the first manager,
then the recovery code), then the sign-in dialog, where the demo's manager mistypes the
password once and then signs in ("Demo Manager", password "demo", as ``main.py demo``
made them). Besides each screen's first view it captures the states that matter: a
scanner burst parsed at receiving, the chair's intake with its depth guidance and a
screening Yes, the manager's override and the warnings confirmed, the chair's green and
red verdicts and its confirmation, closing with the adverse events, the reason dialog,
a recall, an exported report, a verified audit chain, the staff accounts, the treatment
settings, and the locked window. It writes into the ledger it is given: use a demo copy.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QDialog, QLineEdit  # noqa: E402
from sqlalchemy import select  # noqa: E402

from inventory.access import Actor  # noqa: E402
from inventory.db import Database  # noqa: E402
from inventory.ledger import open_ledger, resolve_url  # noqa: E402
from inventory.models import Lot, Product, Unit  # noqa: E402
from inventory.staff import has_staff  # noqa: E402
from sterility import sharps  # noqa: E402
from ui import capture, desktop  # noqa: E402
from ui.app import application, make_window, start_dialog  # noqa: E402
from ui.first_run import FirstRunDialog  # noqa: E402
from ui.ledger_choice import LedgerChoiceDialog  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.prefs import Prefs, make_qsettings  # noqa: E402
from ui.sign_in import SignInDialog  # noqa: E402

SIZE = (1280, 800)
DEMO_MANAGER, DEMO_PASSWORD = "Demo Manager", "demo"  # the staff commands.demo_cmd makes


class Shooter:
    """Numbered pictures of the window, each taken once the window has settled."""

    def __init__(self, out: Path) -> None:
        self.out, self.count = out, 0
        self.window: MainWindow | None = None

    def screen(self, key: str, **filters: object) -> None:
        window = self.main_window()
        window.show_screen(key, dict(filters) or None)
        capture.settle(window)

    def shoot(self, name: str, dialog_name: str = "") -> Path:
        window = self.main_window()
        capture.settle(window)
        dialog = capture.open_dialog(dialog_name) if dialog_name else None
        self.count += 1
        path = capture.save_picture(window, self.out / f"{self.count:02d}-{name}.png", dialog)
        print(path)
        return path

    def shoot_dialog(self, dialog: QDialog, name: str) -> Path:
        """A dialog shown before the window exists (the first start, signing in)."""
        capture.settle_widget(dialog)
        self.count += 1
        path = capture.save_picture(dialog, self.out / f"{self.count:02d}-{name}.png")
        print(path)
        return path

    def find(self, name: str):
        return capture.find(self.main_window(), name)

    def main_window(self) -> MainWindow:
        if self.window is None:
            raise RuntimeError("nobody has signed in yet")
        return self.window


def first_start(shots: Shooter, scratch: Path) -> None:
    """A new clinic's first start, on a scratch ledger: where the ledger lives, the
    clinic, the first manager, then the codes."""
    choice = LedgerChoiceDialog(first_start=True)
    choice.open()
    shots.shoot_dialog(choice, "first-start-where")
    choice.done(0)
    db = open_ledger(f"sqlite:///{scratch / 'first-start.sqlite3'}")
    try:
        dialog = start_dialog(db)
        assert isinstance(dialog, FirstRunDialog)
        dialog.open()
        capture.type_text(dialog.clinic_name, "Harbour Skin Clinic")
        capture.type_text(dialog.licence, "NSW-SK-2026-0142")
        dialog.timezone.setCurrentText("Australia/Sydney")
        shots.shoot_dialog(dialog, "first-start-clinic")
        dialog.to_manager()
        capture.type_text(capture.find(dialog, "Manager's name"), "Amira Haddad")
        for name in ("New password", "New password again"):
            capture.type_text(capture.find(dialog, name), "harbour clinic 7")
        shots.shoot_dialog(dialog, "first-start-manager")
        dialog.create()
        capture.spin_until(lambda: dialog.on_code_page)
        shots.shoot_dialog(dialog, "first-start-recovery-code")
        dialog.written.setChecked(True)
        dialog.accept()
        capture.spin_until(lambda: not dialog.isVisible())
    finally:
        db.dispose()


def sign_in(shots: Shooter, db: Database) -> Actor:
    """The sign-in dialog, a mistyped password, then the demo's manager signs in."""
    dialog = start_dialog(db, user=DEMO_MANAGER)
    if not isinstance(dialog, SignInDialog):
        raise SystemExit("This ledger has no staff: fill a copy with `python main.py demo`.")
    dialog.open()
    shots.shoot_dialog(dialog, "sign-in")
    password = capture.find(dialog, "Password")
    for typed, name in (("dmeo", "sign-in-wrong-password"), (DEMO_PASSWORD, "sign-in-notice")):
        capture.type_text(password, typed)
        capture.press_enter(password)
        capture.spin_until(lambda: dialog.worker.idle and not dialog.form._checking)
        shots.shoot_dialog(dialog, name)
    dialog.form.continue_button.click()  # read: one failed try before this one
    actor = dialog.actor
    if actor is None:
        raise SystemExit(f"{DEMO_MANAGER} could not sign in with the demo's password.")
    return actor


def sample_codes(window: MainWindow) -> dict[str, str]:
    """A unit to accept, one already used, one too deep, and a GTIN to receive again."""
    db = window.ctx.db
    with db.read() as conn:

        def last(*where: object) -> str:
            query = select(Unit.code).join(Lot, Lot.id == Unit.lot_id).where(*where)
            return conn.execute(query.order_by(Unit.id.desc()).limit(1)).scalar() or ""

        today = db.clock.now(conn).date()
        gtin = conn.execute(select(Product.gtin).order_by(Product.id)).scalar() or ""
        return {
            "ok": last(Unit.status == "in_stock", Lot.expiry > today, Unit.product_id == 2),
            "used": last(Unit.status == "used"),
            "deeper": last(Unit.status == "in_stock", Lot.expiry > today, Unit.product_id == 5),
            "gtin": gtin,
        }


def fill_intake(shots: Shooter, window: MainWindow) -> None:
    """The form as a practitioner fills it for a client with acne scars: a depth outside
    the clinic's range (warned inline), a Yes to rosacea (a manager must override), the
    consent ticked, the first pen with a new sleeve, the room of an open sharps bin."""
    chair = window.screens["chair"]
    client = shots.find("Client reference")
    capture.type_text(client, "C-2041")
    shots.find("Concern").setCurrentText("acne scars")  # type: ignore[attr-defined]
    shots.find("Planned depth").setCurrentText("0.5")  # type: ignore[attr-defined]
    capture.spin_until(lambda: chair.intake.answer_buttons)  # type: ignore[attr-defined]
    for key, (no, yes) in chair.intake.answer_buttons.items():  # type: ignore[attr-defined]
        (yes if key == "rosacea" else no).setChecked(True)
    chair.intake.consent.setChecked(True)  # type: ignore[attr-defined]
    pen = shots.find("Pen")
    if pen.count() > 1:  # type: ignore[attr-defined]
        pen.setCurrentIndex(1)  # type: ignore[attr-defined]
        chair.intake.sleeve.setChecked(True)  # type: ignore[attr-defined]
    db = window.ctx.db
    with db.read() as conn:
        rooms = [c.room for c in sharps.list_containers(conn, state="open")]
    room = shots.find("Room")
    room.setText(rooms[0] if rooms else "Room 1")  # type: ignore[attr-defined]
    capture.settle(window, extra_ms=500)  # the series and the warnings are read


def take_all(shots: Shooter) -> None:
    """Every screen, and the states of it that matter, in the order a day goes."""
    window = shots.main_window()
    codes = sample_codes(window)

    shots.screen("dashboard")
    shots.shoot("dashboard")

    # Receive: scanner bursts (with the group separator) and an unknown product
    shots.screen("receive")
    scan = shots.find("Scan box")
    capture.scan_burst(scan, [f"01{codes['gtin']}1728123110SHOT42", "21SN-77"])
    capture.scan_burst(scan, ["01095060001999931728123110NEW1"])
    capture.scan_burst(scan, [f"01{codes['gtin']}1728123110SHOT43"])
    # A burst still arriving: the separator shows, highlighted, before Enter.
    capture.scan_burst(scan, [f"01{codes['gtin']}1728123110SHOT44", "21SN-78"], enter=False)
    shots.shoot("receive-scanned")
    scan.clear()
    shots.find("Add product").click()
    shots.shoot("receive-add-product", "Add a product")
    capture.open_dialog("Add a product").reject()
    receive = window.screens["receive"]
    receive.table.selectRow(1)  # type: ignore[attr-defined]  # the unknown product's box
    receive.remove_selected()  # type: ignore[attr-defined]
    shots.find("Supplier").setText("MedSupply Pty Ltd")
    shots.find("Receive units").click()
    shots.shoot("receive-received")

    # Chair: the intake (depth guidance, screening, consent, pen, room, series), the
    # manager's override and the warnings confirmed, then the verdicts.
    shots.screen("chair")
    shots.find("Practitioner").setCurrentText("Dr Amira Haddad")  # type: ignore[attr-defined]
    shots.shoot("chair-no-session")
    fill_intake(shots, window)
    shots.shoot("chair-intake-warnings")
    shots.find("Open session").click()  # type: ignore[attr-defined]
    capture.settle(window)
    shots.shoot("chair-manager-override", "Manager override")
    override = capture.open_dialog("Manager override")
    capture.find(override, "Override reason").setPlainText(  # type: ignore[attr-defined]
        "Rosacea is on the nose only; the cheeks are clear. Treating the cheeks."
    )
    capture.find(override, "Override and open").click()  # type: ignore[attr-defined]
    capture.settle(window)
    try:
        warnings = capture.open_dialog("Confirm before opening")
    except LookupError:
        warnings = None
    if warnings is not None:
        reasons = {
            "Planned depth": "A first, gentle session; the client is new to microneedling",
            "Sooner than": "The client travels next month",
            "Pen not cleaned": "Cleaned and disinfected; the record follows",
            "No sharps container": "A new sharps bin is on its way to the room",
        }
        for field in warnings.findChildren(QLineEdit):
            name = field.accessibleName().removeprefix("Reason: ")
            for start, reason in reasons.items():
                if name.startswith(start):
                    field.setText(reason)
        shots.shoot("chair-confirm-warnings", "Confirm before opening")
        capture.find(warnings, "Confirm and open").click()  # type: ignore[attr-defined]
    shots.shoot("chair-session-open")
    chair_scan = shots.find("Scan unit")
    for name, code in (
        ("chair-ok", codes["ok"]),
        ("chair-refused-already-used", codes["used"]),
        ("chair-refused-unknown", "U999-123"),
    ):
        capture.type_text(chair_scan, code)
        capture.press_enter(chair_scan)
        shots.shoot(name)
    if codes["deeper"]:
        capture.type_text(chair_scan, codes["deeper"])
        capture.press_enter(chair_scan)
        shots.shoot("chair-confirm-deeper", "Confirm deeper needles")
        capture.open_dialog("Confirm deeper needles").reject()
        shots.shoot("chair-deeper-declined")
    shots.find("Close session").click()  # type: ignore[attr-defined]
    closing = capture.open_dialog("Close session")
    capture.find(closing, "None observed").setChecked(True)  # type: ignore[attr-defined]
    shots.shoot("chair-close-session", "Close session")
    closing.reject()  # the session stays open for the lock picture

    # Inventory: units, the reason dialog, lots, a dashboard click-through
    shots.screen("inventory")
    shots.shoot("inventory-units")
    shots.find("Units table").selectRow(0)
    shots.find("Quarantine selected units").click()
    first = window.screens["inventory"].units_model.code_of(0)  # type: ignore[attr-defined]
    shots.shoot("inventory-reason-dialog", f"Quarantine unit {first}")
    capture.open_dialog(f"Quarantine unit {first}").reject()
    shots.find("Inventory tables").setCurrentIndex(1)
    shots.shoot("inventory-lots")
    shots.screen("inventory", status="in_stock", expiry="90")
    shots.shoot("inventory-expiring-90")

    # Recalls
    shots.screen("recalls")
    shots.shoot("recalls")
    shots.find("Enter a recall notice").click()
    shots.shoot("recalls-new-notice", "Enter a recall notice")
    capture.open_dialog("Enter a recall notice").reject()

    # Equipment: pens, sharps containers, the sterilizer with its failed indicator
    shots.screen("equipment")
    for index, name in enumerate(("equipment-pens", "equipment-sharps", "equipment-sterilizer")):
        shots.find("Equipment sections").setCurrentIndex(index)
        shots.shoot(name)

    # Reports, the audit trail, settings
    shots.screen("reports")
    shots.shoot("reports")
    shots.find("Export report").click()
    capture.settle(window, timeout=300)
    shots.shoot("reports-exported")
    shots.screen("audit")
    shots.find("Verify chain").click()
    shots.shoot("audit-verified")
    shots.screen("settings")
    shots.shoot("settings")
    settings = window.screens["settings"]
    settings.tabs.setCurrentWidget(settings.staff)  # type: ignore[attr-defined]
    shots.shoot("settings-staff")
    settings.tabs.setCurrentWidget(settings.treatment)  # type: ignore[attr-defined]
    shots.shoot("settings-treatment")
    shots.find("Add staff account").click()  # type: ignore[attr-defined]
    shots.shoot("settings-add-staff", "Add a staff account")
    capture.open_dialog("Add a staff account").reject()

    # Locked (idle minutes, or File > Lock now): the screens and the session are covered.
    shots.screen("chair")
    window.lock()
    shots.shoot("locked")
    password = capture.find(window.lock_page, "Password")
    capture.type_text(password, DEMO_PASSWORD)
    capture.press_enter(password)
    capture.spin_until(lambda: not window.locked)
    window.sign_out()
    shots.shoot("signed-out")


def run(out: Path, url: str | None, size: tuple[int, int] = SIZE) -> int:
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="sl-screenshots-"))
    capture.keep_settings_in(scratch)
    app = application(capture.platform_args(scratch))
    desktop.open_path = lambda path: True  # type: ignore[assignment]  # launch nothing
    url = resolve_url(url)
    db = open_ledger(url)
    with db.read() as conn:
        if not has_staff(conn):
            raise SystemExit("This ledger has no staff: fill a copy with `python main.py demo`.")
    shots = Shooter(out)
    first_start(shots, scratch)
    actor = sign_in(shots, db)
    window = make_window(db, actor=actor, db_url=url, prefs=Prefs(make_qsettings()))
    window.resize(*size)
    window.show()
    shots.window = window
    try:
        take_all(shots)
    finally:
        window.close()
        db.dispose()
        app.processEvents()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--db", help="database URL (default: the data folder's ledger)")
    parser.add_argument(
        "--size", default="x".join(map(str, SIZE)), help="window size, WIDTHxHEIGHT"
    )
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.lower().split("x"))
    return run(args.out, args.db, (width, height))


if __name__ == "__main__":
    sys.exit(main())
