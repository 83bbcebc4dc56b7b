"""What every exporter shares: its options and the order papers are written in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..model import Entry, PaperList, sort_key
from ..venue_table import Venue, bundled, lookup


@dataclass(frozen=True)
class Options:
    """Context an export needs beyond the records.

    ``venues`` is the venue table (the bundled one unless the command layer read the
    list's ``_venues.yaml``); ``site_url`` is where the site lives, for the feed's links
    (the list's repository when it is not known).
    """

    venues: Mapping[str, Venue] = field(default_factory=bundled)
    site_url: str | None = None

    def venue(self, short: str) -> Venue | None:
        return lookup(self.venues, short)


def ordered(plist: PaperList) -> list[Entry]:
    """Papers in one deterministic order for every format: newest first, as on the site."""
    return sorted(plist.entries, key=sort_key)
