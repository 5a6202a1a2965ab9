"""Clinic settings kept in the database (so every workstation agrees), changes audited."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from inventory import audit
from inventory.access import Actor
from inventory.clock import clinic_tz, default_timezone, zone
from inventory.db import Database
from inventory.errors import InvalidInput
from inventory.models import Setting
from inventory.text import clean

KNOWN = {
    "clinic_name": ("Clinic name", lambda: "My clinic"),
    "licence_number": ("Licence number", lambda: ""),
    "timezone": ("Time zone", default_timezone),
    # Printed on the client's aftercare sheet (reports.aftercare): who to call, and where.
    "clinic_contact": ("Clinic contact (phone, address)", lambda: ""),
    # Daily automatic backups kept in backups/ (inventory.backup); older ones are deleted.
    "backup_keep": ("Daily backups kept", lambda: "14"),
    # The desktop app locks itself after this many idle minutes (HIPAA automatic logoff).
    "idle_lock_minutes": ("Lock after idle minutes", lambda: "5"),
}


@dataclass(frozen=True)
class ClinicSettings:
    clinic_name: str
    licence_number: str
    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)


__all__ = ["KNOWN", "ClinicSettings", "clinic", "clinic_tz", "default_timezone", "set_value"]

HIDDEN_PREFIXES = ("secret.", "cert.")  # kept in the table, never listed as settings


def read_all(conn: Connection) -> dict[str, str]:
    """Every setting a person may see (secrets, such as the pseudonym key, left out)."""
    stored = dict(
        conn.execute(
            select(Setting.key, Setting.value).where(
                *(Setting.key.not_like(f"{prefix}%") for prefix in HIDDEN_PREFIXES)
            )
        ).all()
    )
    return {key: stored.get(key, default()) for key, (_label, default) in KNOWN.items()} | {
        k: v for k, v in stored.items() if k not in KNOWN
    }


def idle_lock_minutes(conn: Connection) -> int:
    """Minutes without input before the desktop app locks (default 5)."""
    value = read_all(conn).get("idle_lock_minutes", "5")
    return int(value) if str(value).isdigit() and int(value) >= 1 else 5


def clinic(conn: Connection) -> ClinicSettings:
    values = read_all(conn)
    return ClinicSettings(values["clinic_name"], values["licence_number"], values["timezone"])


def set_value(db: Database, key: str, value: str, *, by: Actor) -> None:
    """Change one setting, recording old and new values in the audit trail."""
    by.require("settings")
    value = clean(value, key.replace("_", " "), max_len=200, required=key == "timezone")
    if key == "timezone":
        zone(value)
    elif key == "backup_keep" and not (value.isdigit() and 1 <= int(value) <= 3650):
        raise InvalidInput(
            f"'{value}' is not a number of daily backups to keep. "
            "Use a whole number from 1 to 3650."
        )
    elif key == "idle_lock_minutes" and not (value.isdigit() and 1 <= int(value) <= 120):
        raise InvalidInput(
            f"'{value}' is not a number of minutes. The app locks after 1 to 120 idle minutes."
        )
    elif key.startswith("reorder:"):
        raise InvalidInput("Reorder levels are set per product: catalog set-reorder GTIN N.")
    elif key not in KNOWN:
        names = ", ".join(KNOWN)
        raise InvalidInput(f"There is no setting called '{key}'. Settings: {names}.")
    write_settings(db, {key: value}, by=by)


def write_settings(db: Database, values: dict[str, str], *, by: Actor) -> None:
    """Store already-checked settings in one transaction, one audit event per change.

    The one writer of the setting table: set_value checks the clinic's general settings,
    sterility.guidance and sterility.series check theirs, then all write here.
    """
    with db.write() as conn:
        at = db.now(conn)
        for key, value in values.items():
            old = conn.execute(select(Setting.value).where(Setting.key == key)).scalar()
            if old == value:
                continue
            if old is None:
                conn.execute(Setting.__table__.insert().values(key=key, value=value))
            else:
                conn.execute(
                    Setting.__table__.update().where(Setting.key == key).values(value=value)
                )
            audit.record(
                conn,
                at=at,
                by=by,
                action="set",
                entity="setting",
                entity_id=key,
                old=old,
                new=value,
            )
