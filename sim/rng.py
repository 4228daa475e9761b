"""Named random streams: common random numbers across variants.

Every random input draws from a stream keyed by a stable name such as ``demand/S07/MILK`` and
the replication number, never by creation order, so two variants of a scenario see the same
customers, incidents and wear whatever else they do differently.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_words(name: str) -> tuple[int, ...]:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class Streams:
    """The random streams of one replication of one scenario."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication

    def generator(self, name: str) -> np.random.Generator:
        """A fresh generator for ``name``; the same name always gives the same sequence."""
        sequence = np.random.SeedSequence([self.seed, self.replication, *_name_words(name)])
        return np.random.Generator(np.random.PCG64(sequence))
