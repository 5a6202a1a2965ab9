"""The Merkle tree against the published known-answer vectors (transparency-dev/merkle).

Roots of every tree size over the project's eight leaf inputs, every consistency and
inclusion vector in tests/inventory/merkle_vectors (good ones verify, each mutated one
is refused), and proofs this module makes verify (and fail when a leaf changes).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from inventory import merkle

VECTORS = Path(__file__).parent / "merkle_vectors"
LEAF_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
               "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [merkle.leaf_hash(bytes.fromhex(x)) for x in LEAF_INPUTS]


def _b(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _vectors(kind: str) -> list[tuple[str, dict]]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert len(files) > 50, f"the {kind} vectors are missing"
    return [(str(f.relative_to(VECTORS)), json.loads(f.read_text())) for f in files]


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_roots_of_every_size_match_the_reference(size: int) -> None:
    assert merkle.root(LEAVES[:size]).hex() == ROOTS[size]


def test_prefix_roots_from_one_build_match_each_tree_built_alone() -> None:
    """A report's heads before and after its period come from one build of the tree."""
    assert {k: r.hex() for k, r in merkle.prefix_roots(LEAVES, range(9)).items()} == dict(
        enumerate(ROOTS)
    )
    many = [merkle.leaf_hash(str(i).encode()) for i in range(70)]
    sizes = [0, 1, 5, 31, 32, 33, 63, 64, 69, 70]
    assert merkle.prefix_roots(many, sizes) == {k: merkle.root(many[:k]) for k in sizes}
    with pytest.raises(ValueError):
        merkle.prefix_roots(many, [71])


@pytest.mark.parametrize(("name", "vector"), _vectors("consistency"))
def test_consistency_vectors(name: str, vector: dict) -> None:
    args = (
        vector["size1"],
        vector["size2"],
        _b(vector["root1"]),
        _b(vector["root2"]),
        [_b(p) for p in vector["proof"] or []],
    )
    if vector["wantErr"]:
        with pytest.raises(merkle.ProofFailed):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


@pytest.mark.parametrize(("name", "vector"), _vectors("inclusion"))
def test_inclusion_vectors(name: str, vector: dict) -> None:
    args = (
        vector["leafIdx"],
        vector["treeSize"],
        _b(vector["leafHash"]),
        _b(vector["root"]),
        [_b(p) for p in vector["proof"] or []],
    )
    if vector["wantErr"]:
        with pytest.raises(merkle.ProofFailed):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


def test_proofs_made_here_verify_for_every_pair_of_sizes() -> None:
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(37)]
    for new in range(1, len(leaves) + 1):
        new_root = merkle.root(leaves[:new])
        for old in range(1, new + 1):
            proof = merkle.consistency_proof(leaves[:new], old)
            merkle.verify_consistency(old, new, merkle.root(leaves[:old]), new_root, proof)
        for index in range(new):
            proof = merkle.inclusion_proof(leaves[:new], index)
            merkle.verify_inclusion(index, new, leaves[index], new_root, proof)


def test_a_changed_early_leaf_breaks_consistency() -> None:
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(20)]
    old_root = merkle.root(leaves[:13])
    rewritten = [*leaves[:4], merkle.leaf_hash(b"rewritten"), *leaves[5:]]
    proof = merkle.consistency_proof(rewritten, 13)
    with pytest.raises(merkle.ProofFailed, match="older tree's root"):
        merkle.verify_consistency(13, 20, old_root, merkle.root(rewritten), proof)
