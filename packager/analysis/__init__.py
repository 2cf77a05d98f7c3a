"""Caption analysis, split by concern; :func:`packager.analyse.analyse` is the entry point.

* :mod:`.text`      sentences, headline, truncation (no vocabulary needed)
* :mod:`.vocab`     the JSON vocabularies in ``schemas/`` and matching them in text
* :mod:`.places`    gazetteer mentions -> :class:`~packager.model.Location` values
* :mod:`.entities`  organisations, persons, events, keywords, digital source type
* :mod:`.title`     a short devised title (64 bytes, the IIM ObjectName limit),
  built from the phrases :mod:`.phrases` cuts a sentence into
* :mod:`.overrides` per-item CSV columns that replace analysed values

Everything here is pure: text in, values out. The vocabularies are data, so
that recognising a new place or organisation is an edit to ``schemas/``, not
to code.
"""
