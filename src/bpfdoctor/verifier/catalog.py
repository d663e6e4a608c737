"""The catalog of known verifier errors, in match order, and its look-ups.

Entries are data (``entry.CatalogEntry``), split by theme into
``catalog_memory`` and ``catalog_program``.  Ids are stable: tools and
people grep for them.
"""

from __future__ import annotations

from bpfdoctor.errors import NotFoundError
from bpfdoctor.verifier import catalog_kernel, catalog_memory, catalog_more, catalog_program
from bpfdoctor.verifier.entry import CatalogEntry

# catalog_more holds the newer families; the older entries keep their match order first
CATALOG: tuple[CatalogEntry, ...] = (catalog_kernel.FIRST + catalog_memory.ENTRIES + catalog_program.ENTRIES
                                     + catalog_more.ENTRIES + catalog_kernel.ENTRIES)

_BY_ID = {e.id: e for e in CATALOG}
if len(_BY_ID) != len(CATALOG):  # pragma: no cover - a programming error
    raise RuntimeError("duplicate catalog id")


def entry(entry_id: str) -> CatalogEntry:
    """The entry with this id."""
    try:
        return _BY_ID[entry_id]
    except KeyError:
        raise NotFoundError(f"no catalog entry {entry_id!r}") from None


def candidates(line: str) -> list[CatalogEntry]:
    """Entries whose patterns match ``line``, in catalog order."""
    return [e for e in CATALOG if e.search(line)]
