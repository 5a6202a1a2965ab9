"""Treatment sessions, single use at the chair, refusals, quarantine, waste and recalls."""
