"""Reference data shipped inside the package: the crosswalk, the vocabularies, the
gazetteer, the ISO 3166-2 table, the Dublin Core XSD and our BagIt profile.

Everything is read through :mod:`importlib.resources`, so an installed wheel
finds its data wherever it is installed and whatever the working folder is.
Editing a file here changes what the packager recognises or writes; see
``docs/architecture.md`` ("Where each rule lives").
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def resource(name: str) -> Traversable:
    """The shipped file ``name``, e.g. ``"crosswalk.toml"`` or ``"dc/record.xsd"``."""
    node = resources.files(__name__)
    for part in name.split("/"):
        node = node / part
    return node


def read_bytes(name: str) -> bytes:
    return resource(name).read_bytes()


def read_text(name: str) -> str:
    return resource(name).read_text(encoding="utf-8")


def label(name: str) -> str:
    """How messages name a shipped file: its place in the source tree."""
    return f"packager/schemas/{name}"
