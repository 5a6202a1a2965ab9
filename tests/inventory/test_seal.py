"""The sealing key moves one way: each event's seal checks only with the key of its place."""

from __future__ import annotations

import pytest

from inventory import seal


def test_seals_check_in_order_from_the_verification_key() -> None:
    k0 = seal.new_verification_key()
    key, seals = k0, []
    for number in range(1, 6):
        seals.append(seal.seal(key, f"hash{number}"))
        key = seal.evolve(key)
    walker = seal.Sealer(k0, first_sealed=1)
    assert all(walker.check(n, f"hash{n}", s) for n, s in enumerate(seals, start=1))
    assert walker.key == key  # the writer's kept key: where the trail must end


def test_a_later_key_cannot_seal_an_earlier_event() -> None:
    k0 = seal.new_verification_key()
    k3 = seal.evolve(seal.evolve(seal.evolve(k0)))
    forged = seal.seal(k3, "hash2")  # whoever took the PC at event 3 rewrites event 2
    walker = seal.Sealer(k0, first_sealed=1)
    walker.check(1, "hash1", seal.seal(k0, "hash1"))
    assert walker.check(2, "hash2", forged) is False


def test_the_key_text_round_trips_as_typed() -> None:
    key = seal.new_verification_key()
    text = seal.key_text(key)
    assert len(text.split("-")) == 8 and text.upper() == text
    assert seal.key_from_text(text.lower().replace("-", " ")) == key
    with pytest.raises(ValueError, match="not a verification key"):
        seal.key_from_text(text[:20])
