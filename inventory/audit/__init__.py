"""The audit trail: append-only events, chained by SHA-256, sealed, bound to their rows.

- :mod:`inventory.audit.writer`: one event per change (``record``);
- :mod:`inventory.audit.check`: the whole trail checked (``verify``);
- :mod:`inventory.audit.trail`: the listing both faces page through;
- :mod:`inventory.audit.tree`: the trail as a Merkle tree, for exports.
"""

from inventory.audit.check import ChainReport, iter_events, verify
from inventory.audit.trail import EVENTS, kinds, list_events, newest_event_time, values_text
from inventory.audit.tree import TreeHead, tree_head, tree_leaves
from inventory.audit.writer import (
    GENESIS,
    HEAD_INFO,
    NO_KEY,
    Binding,
    SealOutOfStep,
    Stamp,
    canonical,
    event_hash,
    record,
    resume_sealing,
    start_sealing,
)

__all__ = [
    "EVENTS",
    "GENESIS",
    "HEAD_INFO",
    "NO_KEY",
    "Binding",
    "ChainReport",
    "SealOutOfStep",
    "Stamp",
    "TreeHead",
    "canonical",
    "event_hash",
    "iter_events",
    "kinds",
    "list_events",
    "newest_event_time",
    "record",
    "resume_sealing",
    "start_sealing",
    "tree_head",
    "tree_leaves",
    "values_text",
    "verify",
]
