"""The command line: a thin edge over the library (:mod:`.main`) and the text and JSON
rendering of results (:mod:`.render`)."""

from .main import cli, main

__all__ = ["cli", "main"]
