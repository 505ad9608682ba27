"""Content digests of an input set, for cache keys: equal inputs give equal digests.

Every table is hashed whole (:func:`planning.disk_cache.frame_digest`: all rows, columns and
dtypes), never sampled, so an edit in row 60,000 of ``volumes`` changes its digest; each
scenario section is hashed from its values. A key made from a part (:meth:`InputsDigest.
all_but`) names what a stage does NOT read, so a table added to the contract later is in
every key until it is listed (safe, never stale).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from planning.disk_cache import combine, frame_digest
from planning.inputs.schema import TABLES
from planning.inputs.tables import Inputs


@dataclass(frozen=True)
class InputsDigest:
    """Digests of every table and scenario section of one :class:`Inputs`."""

    tables: tuple[tuple[str, str], ...]
    sections: tuple[tuple[str, str], ...]

    def part(self, tables: Iterable[str], sections: Iterable[str]) -> str:
        """Key of the named tables and scenario sections."""
        t, s = dict(self.tables), dict(self.sections)
        return combine(tuple((n, t[n]) for n in tables), tuple((n, s[n]) for n in sections))

    def all_but(self, excluded: Iterable[str], sections: Iterable[str]) -> str:
        """Key of every table not in ``excluded``, and the given scenario sections."""
        skip = set(excluded)
        return self.part([n for n, _ in self.tables if n not in skip], sections)

    @property
    def full(self) -> str:
        """Key of the whole inputs."""
        return combine(self.tables, self.sections)


def digest_inputs(inputs: Inputs) -> InputsDigest:
    """Hash every table of the inputs whole, and each scenario section."""
    tables = tuple((name, frame_digest(inputs.table(name))) for name in TABLES)
    sections = tuple((name, combine(sorted(values.items())))
                     for name, values in inputs.scenario.to_dict().items())
    return InputsDigest(tables, sections)
