"""The usage report's treatment series: how many were completed, are in progress or overdue.

The rules are sterility.series's (a series is complete when its sessions reached the
number planned, overdue when not complete and its last session is more than the
clinic's maximum spacing ago); this module words the counts for the CSV and the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from reportlab.platypus import Flowable, Spacer
from sqlalchemy import Connection

from sterility import series

if TYPE_CHECKING:
    from reports.cover import ReportInfo
    from reports.pdf_writer import PdfReport

TITLE = "Treatment series"


@dataclass(frozen=True)
class SeriesTable:
    """The period's series counts: rows of the summary CSV, and a table in the PDF."""

    title: str
    frame: pd.DataFrame
    counts: series.SeriesCounts
    rules: series.SeriesRules
    as_of: str  # the date the states are as of (the period's end, or today if sooner)

    def summary_rows(self) -> list[tuple[str, str]]:
        return [(f"series_{state}", str(n)) for state, n in self.counts.as_dict().items()]

    def cover_row(self) -> tuple[str, str]:
        c = self.counts
        return (
            "Treatment series: completed / in progress / overdue",
            f"{c.completed} / {c.in_progress} / {c.overdue}",
        )

    def flowables(self, doc: PdfReport) -> list[Flowable]:
        r = self.rules
        return [
            doc.paragraph(
                f"A series is a client's sessions on one area ({series.MIN_PLANNED} to "
                f"{series.MAX_PLANNED}, {r.min_days} to {r.max_days} days apart). Counted "
                "here: each series under way in the period, as it stood on "
                f"{self.as_of}. Completed: its sessions reached the number planned. Overdue: "
                f"not complete, and its last session more than {r.max_days} days before "
                "then. In progress: the others. A series already completed, or already "
                "overdue, when the period began is not counted.",
                8.5,
            ),
            Spacer(1, 6),
            doc.small_table(
                ["Series", "Count"],
                [(state, str(n)) for state, n in self.frame.itertuples(index=False)],
                [160, 60],
                size=8,
            ),
        ]


def series_table(conn: Connection, info: ReportInfo) -> SeriesTable:
    """Series completed, in progress and overdue in the report's period."""
    end = min(info.period.end_utc, info.generated_at)
    counts = series.series_counts(conn, info.period.start_utc, end)
    frame = pd.DataFrame(
        [
            {"state": series.STATE_WORDS[state], "series": n}
            for state, n in counts.as_dict().items()
        ],
        columns=["state", "series"],
    )
    as_of = end.astimezone(info.clinic.tz).date().isoformat()
    return SeriesTable(f"{TITLE} on {as_of}", frame, counts, series.rules(conn), as_of)
