"""Words the Order-to-Cash vocabulary lacks: first names of supplier contacts, by language."""

from __future__ import annotations

import numpy as np

from andmesh.generate import strings as s
from andmesh.generate.geo import LANG_CODES, Flat

_FIRST: dict[str, tuple[str, ...]] = {
    "de": ("Anna", "Lukas", "Julia", "Jonas", "Katrin", "Stefan", "Sabine", "Thomas", "Petra", "Michael"),
    "en": ("Emma", "James", "Olivia", "William", "Sophie", "Daniel", "Grace", "Thomas", "Emily", "John"),
    "fr": ("Camille", "Louis", "Chloé", "Hugo", "Léa", "Julien", "Manon", "Nicolas", "Élodie", "Pierre"),
    "nl": ("Sanne", "Daan", "Lotte", "Bram", "Femke", "Joost", "Anouk", "Pieter", "Eva", "Ruben"),
    "es": ("Lucía", "Javier", "María", "Carlos", "Elena", "Sergio", "Carmen", "Álvaro", "Laura", "Pablo"),
    "it": ("Giulia", "Marco", "Chiara", "Luca", "Francesca", "Matteo", "Sara", "Andrea", "Elena", "Paolo"),
}

_groups = [_FIRST[code] for code in LANG_CODES]
_count = np.array([len(g) for g in _groups], dtype=np.int64)
FIRST_NAMES = Flat(
    s.vocab([w for g in _groups for w in g]),
    np.concatenate([[0], np.cumsum(_count)[:-1]]).astype(np.int64),
    _count,
)
