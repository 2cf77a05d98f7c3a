"""Reading files, for both sides: streamed digests (:mod:`.hashing`), pixel digests
(:mod:`.pixels`) and a read-only ExifTool session (:mod:`.exiftool`). The bag writer,
the embedder and the validator all look at files through these; nothing here writes
into an image."""
