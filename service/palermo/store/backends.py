"""Opening the store the configuration names: remote, in memory, or on disk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from palermo.store.interface import Store
from palermo.store.oxigraph import OxigraphStore
from palermo.store.remote import RemoteStore


def open_store(config: Mapping[str, Any]) -> Store:
    """The store of ``config``: a remote SPARQL 1.1 server (``STORE_URL`` or
    ``STORE_QUERY_URL``), the embedded store in memory (``MEMORY``), or on disk (``DATA_DIR``)."""
    if config.get("STORE_URL") or config.get("STORE_QUERY_URL"):
        return RemoteStore.from_config(config)
    if config.get("MEMORY"):
        return OxigraphStore()
    return OxigraphStore(config["DATA_DIR"])
