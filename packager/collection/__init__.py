"""Stage 1, the collection: ``collection.toml`` (:mod:`.config`), the caption sources
(:mod:`.captions`: one caption per line, or CSV) and pairing captions with images
(:mod:`.scan`). Out of it come :class:`~packager.model.Item` values; nothing here
analyses text or writes a file."""
