"""Stage 5, embedding: the only code that writes metadata into images. :mod:`.exiftool`
extends the read-only session with writing and verifying; :mod:`.reconcile` weighs our
record against the metadata an image already carries."""
