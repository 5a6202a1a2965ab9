"""The audit trail as a Merkle tree (RFC 9162, as Certificate Transparency logs use).

Each audit event's hash is a leaf, in event order. A tree head (size and root hash)
summarises every event up to then; a consistency proof shows that a later head's tree
begins with exactly the earlier head's tree, so an inspector holding last quarter's
report can prove this quarter's record still holds every event it showed, unchanged,
with no server and no trust in the clinic. An inclusion proof shows one event is in a
tree. Hashes follow RFC 9162 section 2.1: a leaf is SHA-256(0x00 || data), an inner node
SHA-256(0x01 || left || right), the empty tree SHA-256 of nothing. Checked against the
known-answer vectors of transparency-dev/merkle (tests/inventory/test_merkle.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
HASH_BYTES = 32


class ProofFailed(ValueError):
    """A proof that does not prove what it claims (its words say which check failed)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    """The root of the tree over these leaf hashes (already hashed with :func:`leaf_hash`):
    RFC 9162's shape, split at the largest power of two (built by :func:`prefix_roots`)."""
    return prefix_roots(leaves, (len(leaves),))[len(leaves)]


def prefix_roots(leaves: Sequence[bytes], sizes: Sequence[int]) -> dict[int, bytes]:
    """The roots of the trees over the first ``size`` leaves, for each size, in one build.

    A year's report needs the heads before and after its period over a trail of millions
    of events; building the tree once and keeping the perfect subtrees each prefix is made
    of costs one root, not one per size. The prefix of size k is the perfect subtrees of
    its binary digits, largest first; at level j the one for k is node (k >> j) - 1.
    """
    wanted = sorted(set(sizes))
    if any(not 0 <= k <= len(leaves) for k in wanted):
        raise ValueError("a prefix size must be from 0 to the number of leaves")
    parts: dict[int, list[bytes]] = {k: [] for k in wanted}
    level = list(leaves[: max(wanted, default=0)])
    j = 0
    while level:
        for k in wanted:
            if k >> j & 1:
                parts[k].append(level[(k >> j) - 1])
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        j += 1
    roots = {}
    for k, nodes in parts.items():  # nodes run from the smallest subtree to the largest
        top = nodes[0] if nodes else EMPTY_ROOT
        for node in nodes[1:]:
            top = node_hash(node, top)
        roots[k] = top
    return roots


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """RFC 9162 2.1.4.1: the proof that the first ``old_size`` leaves form the older tree."""
    if not 0 < old_size <= len(leaves):
        raise ValueError("an old tree size must be from 1 to the new tree's size")
    return _subproof(old_size, leaves, complete=True)


def _subproof(m: int, leaves: Sequence[bytes], *, complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete=complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], complete=False), root(leaves[:k])]


def _check_hashes(*hashes: bytes) -> None:
    if any(len(h) != HASH_BYTES for h in hashes):
        raise ProofFailed("a hash in the proof is not a SHA-256 (32 bytes)")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.4.2: raise :class:`ProofFailed` unless the proof holds."""
    if old_size > new_size:
        raise ProofFailed("the older tree is larger than the newer one")
    if old_size == 0:
        raise ProofFailed("a proof from the empty tree proves nothing")
    if old_size == new_size:
        if proof:
            raise ProofFailed("trees of one size need an empty proof")
        if old_root != new_root:
            raise ProofFailed("two trees of one size have different roots")
        return
    _check_hashes(old_root, new_root, *proof)
    if not proof:
        raise ProofFailed("the proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root starts the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofFailed("the proof is longer than the trees need")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofFailed("the proof is shorter than the trees need")
    if fr != old_root:
        raise ProofFailed("the older tree's root does not follow from the proof")
    if sr != new_root:
        raise ProofFailed("the newer tree's root does not follow from the proof")


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 9162 2.1.3.1: the audit path of leaf ``index`` (0-based)."""
    if not 0 <= index < len(leaves):
        raise ValueError("the leaf is not in the tree")
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(leaves[:k], index), root(leaves[k:])]
    return [*inclusion_proof(leaves[k:], index - k), root(leaves[:k])]


def verify_inclusion(
    index: int, size: int, leaf: bytes, tree_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.3.2: raise :class:`ProofFailed` unless leaf ``index`` is in the tree."""
    _check_hashes(leaf, tree_root, *proof)
    if not 0 <= index < size:
        raise ProofFailed("the leaf's index is outside the tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofFailed("the proof is longer than the tree needs")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofFailed("the proof is shorter than the tree needs")
    if r != tree_root:
        raise ProofFailed("the root does not follow from the leaf and the proof")
