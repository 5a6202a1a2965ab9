"""The dashboard: the clinic's stock and today at a glance; each figure opens its list.

A new clinic's ledger has no products and no stock, and every figure reads 0. Until the
first delivery is received the dashboard says what to do first, in order (add the
products, receive a delivery, add the staff), each with a button to the screen for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inventory.access import Actor
from inventory.text import counted
from sterility import dashboard
from sterility.dashboard import Dashboard, RecallLine, RefusalLine, SessionLine, StockLine
from sterility.recall_contacts import affected_clients
from ui import fmt, style
from ui.access import permit
from ui.context import AppContext
from ui.models.rows import Col, RowsModel
from ui.models.sessions import today_columns
from ui.screens.base import Screen
from ui.verdict import headline_for
from ui.widgets import (
    ResultLabel,
    button,
    fit_columns,
    hint,
    named,
    restyle,
    section,
    table,
    title,
)

REFRESH_MS = 60_000


@dataclass(frozen=True)
class RecallToContact:
    """An open recall whose recalled units were used: clients still to be told."""

    recall: RecallLine
    clients: int
    to_contact: int


def recalls_to_contact(conn: Any, lines: list[RecallLine]) -> list[RecallToContact]:
    """Open recalls that reached clients, with how many are not yet reached.

    Counting needs no data key: each affected client is one blind index, told or not.
    """
    found = []
    for line in lines:
        if not line.uses:
            continue
        clients = affected_clients(conn, line.id)
        waiting = sum(1 for client in clients if not client.contacted)
        found.append(RecallToContact(line, len(clients), waiting))
    return found


class Card(QPushButton):
    """A figure with its caption; clicking (or Enter) opens the list behind it."""

    def __init__(self, caption: str, tip: str) -> None:
        super().__init__()
        self.setObjectName("card")
        named(self, caption, tip)
        self.value = QLabel("…")
        self.value.setObjectName("cardValue")
        self.caption = QLabel(caption)
        self.caption.setObjectName("cardCaption")
        self.caption.setWordWrap(True)
        for label in (self.value, self.caption):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 10, 8)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        self.setMinimumHeight(86)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_value(self, value: int, level: str = "") -> None:
        self.value.setText(f"{value:,}")
        self.setAccessibleDescription(f"{value:,} {self.caption.text()}")
        self.setProperty("level", level)
        restyle(self)


# key, heading, what to do, button, screen, filters, the capability it needs
FIRST_STEPS = [
    (
        "products",
        "1. Add the products you use",
        "Scan a box of each cartridge or roller on Receive delivery: a box the ledger does "
        "not know yet offers Add product…, with its GTIN already filled in.",
        "Add products",
        "receive",
        {},
        "catalogue",
    ),
    (
        "delivery",
        "2. Receive a delivery",
        "Scan every box of the delivery, check what was read, then Receive: the units are "
        "on the shelf and can be used at the chair.",
        "Receive a delivery",
        "receive",
        {},
        "receive",
    ),
    (
        "staff",
        "3. Add the practitioners",
        "Everyone signs in with their own name, so every use says who made it.",
        "Add staff",
        "settings",
        {"section": "staff"},
        "staff",
    ),
]


class FirstSteps(QFrame):
    """What a new clinic does first; each step done is ticked, the next one is primary."""

    def __init__(self, go: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.setAccessibleName("Getting started")
        self.buttons: dict[str, QPushButton] = {}
        self.labels: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(section("Getting started: what to do first"))
        for key, heading, text, label, screen, filters, _can in FIRST_STEPS:
            row = QHBoxLayout()
            words = ResultLabel(f"<b>{heading}</b><br>{text}", heading, quiet=True)
            words.setWordWrap(True)
            self.labels[key] = words
            action = button(label, label, text)
            action.clicked.connect(
                lambda _checked=False, s=screen, f=filters: go(s, dict(f))
            )
            self.buttons[key] = action
            row.addWidget(words, 1)
            row.addWidget(action, 0, Qt.AlignmentFlag.AlignVCenter)
            layout.addLayout(row)

    def actor_changed(self, actor: Actor) -> None:
        for key, *_rest, capability in FIRST_STEPS:
            permit(self.buttons[key], actor, capability)

    def show_progress(self, has_products: bool, has_units: bool) -> None:
        done = {"products": has_products, "delivery": has_units}
        following = next((key for key, *_ in FIRST_STEPS if not done.get(key)), "")
        for key, heading, *_rest in FIRST_STEPS:
            action = self.buttons[key]
            action.setObjectName("primary" if key == following else "")
            restyle(action)
            tick = "✓ " if done.get(key) else ""
            text = self.labels[key].text().split("</b>", 1)[1]
            self.labels[key].setText(f"<b>{tick}{heading}</b>{text}")


class DashboardScreen(Screen):
    title = "Dashboard"
    icon_name = "dashboard"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.data: Dashboard | None = None
        self.as_of = hint("Loading…", "Dashboard time")
        refresh = button("Refresh", "Refresh dashboard", "Read the figures again (F5)", "refresh")
        refresh.clicked.connect(self.activated)

        self.cards: dict[str, Card] = {}
        specs = [
            ("in_stock", "Units in stock", "Show the units in stock"),
            ("expiring_30", "Expiring within 30 days", "Units in stock whose lot expires soon"),
            ("expiring_60", "Expiring within 60 days", "Units in stock expiring within 60 days"),
            ("expiring_90", "Expiring within 90 days", "Units in stock expiring within 90 days"),
            ("expired", "Expired on the shelf", "Units still in stock whose lot has expired"),
            ("quarantined", "In quarantine", "Units held back: damaged, dropped, recalled"),
            ("below_reorder", "Products below reorder level", "Products to order again"),
            ("sessions", "Sessions today", "Today's treatment sessions"),
            ("refusals", "Refusals in the last 7 days", "Scans refused at the chair"),
            ("recalls", "Open recalls", "Recall notices not yet closed"),
        ]
        grid = QGridLayout()
        grid.setSpacing(10)
        for number, (key, caption, tip) in enumerate(specs):
            card = Card(caption, tip)
            card.clicked.connect(lambda _checked=False, k=key: self.open_card(k))
            self.cards[key] = card
            grid.addWidget(card, number // 5, number % 5)

        self.stock_model = RowsModel(
            [
                Col("Needle", lambda r: r.needle_length_um, fmt.mm, right=True),
                Col(
                    "Product", lambda r: r.product, tooltip=lambda r: f"{r.product} (GTIN {r.gtin})"
                ),
                Col(
                    "In stock",
                    lambda r: r.in_stock,
                    lambda v: fmt.count(v),
                    right=True,
                    colour=lambda r: style.REFUSED_RED if r.below_reorder else None,
                    tooltip=lambda r: (
                        "Below its reorder level: order more" if r.below_reorder else None
                    ),
                ),
                Col("Reorder below", lambda r: r.reorder_level, fmt.count, right=True),
            ],
            self,
        )
        self.stock = table(self.stock_model, "Stock on hand")
        self.stock.activated.connect(self._open_product)
        fit_columns(self.stock, 1)
        self.only_below = named(QCheckBox("Only below reorder level"), "Only below reorder level")
        self.only_below.toggled.connect(self._show_stock)

        self.sessions_model = RowsModel(today_columns(self._tz), self)
        self.sessions = table(self.sessions_model, "Today's sessions")
        self.sessions.activated.connect(lambda _i: self.open_card("sessions"))
        fit_columns(self.sessions, 3)

        self.refusals_model = RowsModel(
            [
                Col("When", lambda r: r.refused_at, lambda v: fmt.wall_clock(v, self._tz())),
                Col("Why", lambda r: headline_for(r.reason), tooltip=lambda r: r.message),
                Col("Session", lambda r: r.session_id, right=True),
                Col("Scanned", lambda r: r.scanned.replace("\x1d", "\u241d")),
            ],
            self,
        )
        self.refusals = table(self.refusals_model, "Recent refusals")
        self.refusals.activated.connect(self._open_refusal)
        fit_columns(self.refusals, 1)

        self.contacts: list[RecallToContact] = []
        self.contacts_model = RowsModel(
            [
                Col("Recall", lambda r: r.recall.reference),
                Col(
                    "Product",
                    lambda r: r.recall.product,
                    tooltip=lambda r: f"{r.recall.product}, lots {', '.join(r.recall.lots)}"
                    if r.recall.lots
                    else r.recall.product,
                ),
                Col("Used", lambda r: r.recall.uses, fmt.count, right=True),
                Col(
                    "Clients to contact",
                    lambda r: f"{r.to_contact} of {r.clients}",
                    right=True,
                    colour=lambda r: style.REFUSED_RED if r.to_contact else style.OK_GREEN,
                ),
            ],
            self,
        )
        self.recall_contacts = table(self.contacts_model, "Recalls with clients to contact")
        self.recall_contacts.activated.connect(self._open_recall)
        fit_columns(self.recall_contacts, 1)
        self.contacts_caption = section("Open recalls: used units, clients to contact")
        self.contacts_note = hint("", "Clients to contact summary")
        for widget in (self.contacts_caption, self.contacts_note, self.recall_contacts):
            widget.hide()

        stock_head = QHBoxLayout()
        stock_head.addWidget(section("Stock on hand by needle length and product"))
        stock_head.addStretch(1)
        stock_head.addWidget(self.only_below)
        left = QVBoxLayout()
        left.addLayout(stock_head)
        left.addWidget(self.stock)
        right = QVBoxLayout()
        right.addWidget(section("Today's sessions"))
        right.addWidget(self.sessions, 1)
        right.addWidget(section("Recent refusals at the chair"))
        right.addWidget(self.refusals, 1)
        right.addWidget(self.contacts_caption)
        right.addWidget(self.contacts_note)
        right.addWidget(self.recall_contacts, 1)
        lists = QHBoxLayout()
        lists.addLayout(left, 1)
        lists.addLayout(right, 1)

        head = QHBoxLayout()
        head.addWidget(title(self.title))
        head.addWidget(self.as_of, 1)
        head.addWidget(refresh)
        self.first_steps = FirstSteps(self.navigate.emit, self)
        self.first_steps.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.first_steps)
        layout.addLayout(grid)
        layout.addLayout(lists, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._refresh_if_visible)
        self.timer.start()

    def activated(self) -> None:
        db, keys = self.ctx.db, self.ctx.actor.keys

        def read() -> tuple[Dashboard, list[RecallToContact]]:
            with db.read() as conn:
                data = dashboard.load(conn, db.now(conn), keys=keys)
                return data, recalls_to_contact(conn, data.open_recalls)

        self.run(read, self._show, label="dashboard")

    def actor_changed(self) -> None:
        self.first_steps.actor_changed(self.ctx.actor)

    def _refresh_if_visible(self) -> None:
        if self.isVisible() and not self.ctx.locked:
            self.activated()

    def _tz(self) -> Any:
        from inventory.clock import zone

        return zone(self.data.timezone) if self.data else None

    def _show(self, loaded: tuple[Dashboard, list[RecallToContact]]) -> None:
        data, self.contacts = loaded
        self.data = data
        self._show_contacts()
        self.as_of.setText(
            f"As of {fmt.local_time(data.now, self._tz())}, clinic time ({data.timezone}). "
            "Click a figure to see the list behind it."
        )
        soon = data.expiring_within(30).units
        levels = {
            "in_stock": (data.in_stock, ""),
            "expiring_30": (soon, "warn" if soon else ""),
            "expiring_60": (data.expiring_within(60).units, ""),
            "expiring_90": (data.expiring_within(90).units, ""),
            "expired": (data.expired_on_shelf, "alert" if data.expired_on_shelf else ""),
            "quarantined": (
                data.status_counts["quarantined"],
                "warn" if data.status_counts["quarantined"] else "",
            ),
            "below_reorder": (len(data.below_reorder), "warn" if data.below_reorder else ""),
            "sessions": (len(data.sessions_today), ""),
            "refusals": (data.refusals_last_7_days, ""),
            "recalls": (len(data.open_recalls), "alert" if data.open_recalls else ""),
        }
        for key, (value, level) in levels.items():
            self.cards[key].set_value(value, level)
        has_units = sum(data.status_counts.values()) > 0
        self.first_steps.setVisible(not has_units)  # until the first delivery is received
        self.first_steps.show_progress(bool(data.stock), has_units)
        self._show_stock()
        self.sessions_model.set_rows(data.sessions_today)
        self.refusals_model.set_rows(data.refusals_recent)

    def _show_contacts(self) -> None:
        """Open recalls whose units were used: the clients still to tell, until all are."""
        rows = self.contacts
        for widget in (self.contacts_caption, self.contacts_note, self.recall_contacts):
            widget.setVisible(bool(rows))
        self.contacts_model.set_rows(rows)
        waiting = sum(r.to_contact for r in rows)
        recalls = counted(len([r for r in rows if r.to_contact]), "open recall")
        self.contacts_note.setText(
            f"{counted(waiting, 'client')} of {recalls} still to contact. "
            "Open a recall to record each call, text or letter."
            if waiting
            else "Every client treated with a recalled unit has been reached."
        )

    def _open_recall(self, index: QModelIndex) -> None:
        line: RecallToContact = self.contacts_model.row(index.row())
        self.navigate.emit("recalls", {"recall": line.recall.id})

    def _show_stock(self) -> None:
        if self.data is None:
            return
        lines = self.data.below_reorder if self.only_below.isChecked() else self.data.stock
        self.stock_model.set_rows(lines)

    def open_card(self, key: str) -> None:
        """The list behind a figure: inventory filters, today's sessions, refusals, recalls."""
        targets: dict[str, tuple[str, dict[str, Any]]] = {
            "in_stock": ("inventory", {"status": "in_stock"}),
            "expiring_30": ("inventory", {"status": "in_stock", "expiry": "30"}),
            "expiring_60": ("inventory", {"status": "in_stock", "expiry": "60"}),
            "expiring_90": ("inventory", {"status": "in_stock", "expiry": "90"}),
            "expired": ("inventory", {"status": "in_stock", "expiry": "expired"}),
            "quarantined": ("inventory", {"status": "quarantined"}),
            "sessions": ("chair", {}),
            "refusals": ("audit", {"action": "refuse"}),
            "recalls": ("recalls", {}),
        }
        if key == "below_reorder":
            self.only_below.setChecked(True)
            self.stock.setFocus()
            return
        screen, filters = targets[key]
        self.navigate.emit(screen, filters)

    def _open_product(self, index: QModelIndex) -> None:
        line: StockLine = self.stock_model.row(index.row())
        self.navigate.emit("inventory", {"status": "in_stock", "product_id": line.product_id})

    def _open_refusal(self, index: QModelIndex) -> None:
        line: RefusalLine = self.refusals_model.row(index.row())
        self.navigate.emit("audit", {"entity": "refusal", "record": str(line.id)})

    def session_rows(self) -> list[SessionLine]:
        return self.sessions_model.rows()

    def table_views(self) -> list[QTableView]:
        return [self.stock, self.sessions, self.refusals, self.recall_contacts]
