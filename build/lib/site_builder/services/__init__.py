"""Metadata services (arXiv, Crossref) behind one polite HTTP client.

This package's own import is cheap: ``requests`` is only imported by
:mod:`site_builder.services.http`, which the ``new`` command loads when it has to fetch.
The errors live here so callers can catch them without loading the network layer.
"""

from __future__ import annotations

from ..errors import SiteBuilderError


class ServiceError(SiteBuilderError):
    """A metadata service could not give an answer (bad reply, too many retries...)."""


class Offline(ServiceError):
    """The service could not be reached at all (no network, refused, name lookup)."""


class NotFound(ServiceError):
    """The service answered, but has no record of the paper asked for."""


TIMEOUT = (5.0, 20.0)  # (connect, read) seconds for every request
MANUAL_HINT = ("or write the record by hand with --title, --authors, --venue, --year "
               "and --paper-url")
