"""Clinic settings kept in the database (so every workstation agrees), changes audited."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from inventory import audit
from inventory.clock import clinic_tz, default_timezone, zone
from inventory.db import Database
from inventory.errors import InvalidInput
from inventory.models import Setting
from inventory.text import clean

KNOWN = {
    "clinic_name": ("Clinic name", lambda: "My clinic"),
    "licence_number": ("Licence number", lambda: ""),
    "timezone": ("Time zone", default_timezone),
    # Daily automatic backups kept in backups/ (inventory.backup); older ones are deleted.
    "backup_keep": ("Daily backups kept", lambda: "14"),
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

SECRET_PREFIX = "secret."  # keys kept in the table but never shown or exported


def read_all(conn: Connection) -> dict[str, str]:
    """Every setting a person may see (secrets, such as the pseudonym key, left out)."""
    stored = dict(
        conn.execute(
            select(Setting.key, Setting.value).where(Setting.key.not_like(f"{SECRET_PREFIX}%"))
        ).all()
    )
    return {key: stored.get(key, default()) for key, (_label, default) in KNOWN.items()} | {
        k: v for k, v in stored.items() if k not in KNOWN
    }


def clinic(conn: Connection) -> ClinicSettings:
    values = read_all(conn)
    return ClinicSettings(values["clinic_name"], values["licence_number"], values["timezone"])


def set_value(db: Database, key: str, value: str, *, by: str) -> None:
    """Change one setting, recording old and new values in the audit trail."""
    value = clean(value, key.replace("_", " "), max_len=200, required=key == "timezone")
    if key == "timezone":
        zone(value)
    elif key == "backup_keep" and not (value.isdigit() and 1 <= int(value) <= 3650):
        raise InvalidInput(
            f"'{value}' is not a number of daily backups to keep. "
            "Use a whole number from 1 to 3650."
        )
    elif key.startswith("reorder:"):
        raise InvalidInput("Reorder levels are set per product: catalog set-reorder GTIN N.")
    elif key not in KNOWN:
        names = ", ".join(KNOWN)
        raise InvalidInput(f"There is no setting called '{key}'. Settings: {names}.")
    with db.write() as conn:
        old = conn.execute(select(Setting.value).where(Setting.key == key)).scalar()
        if old == value:
            return
        if old is None:
            conn.execute(Setting.__table__.insert().values(key=key, value=value))
        else:
            conn.execute(Setting.__table__.update().where(Setting.key == key).values(value=value))
        audit.record(
            conn,
            at=db.clock.now(conn),
            actor=by,
            action="set",
            entity="setting",
            entity_id=key,
            old=old,
            new=value,
        )
