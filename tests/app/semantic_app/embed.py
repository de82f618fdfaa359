"""A deterministic embedding with no network call: each word votes for the concepts it belongs to.

Eight concepts, one dimension each, so texts that share a meaning (not a word) land close: "kitten" and "feline" both
point along the animal axis. Good enough to show that a search is by meaning; never for a real app.
"""

from __future__ import annotations

import math
import re

CONCEPTS: tuple[frozenset[str], ...] = (
    frozenset({"cat", "cats", "kitten", "feline", "dog", "puppy", "pet", "pets", "animal"}),
    frozenset({"car", "automobile", "vehicle", "tires", "engine", "truck", "drive"}),
    frozenset({"pasta", "pizza", "dinner", "food", "ate", "eat", "lunch", "meal"}),
    frozenset({"rain", "sunny", "weather", "storm", "snow", "forecast"}),
    frozenset({"python", "code", "program", "software", "bug", "compiler"}),
    frozenset({"song", "music", "guitar", "piano", "concert", "melody"}),
    frozenset({"money", "bank", "salary", "budget", "invoice", "pay"}),
    frozenset({"sleep", "sleeps", "nap", "tired", "bed", "dream"}),
)


def _vector(text: str) -> list[float]:
    words = re.findall(r"[a-z]+", text.lower())
    counts = [float(sum(word in concept for word in words)) for concept in CONCEPTS]
    norm = math.sqrt(sum(c * c for c in counts)) or 1.0
    return [c / norm for c in counts]


def embed(texts: list[str]) -> list[list[float]]:
    return [_vector(text) for text in texts]
