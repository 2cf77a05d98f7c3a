"""Caption analysis, split by concern; :func:`packager.analysis.record.analyse` is the entry point.

* :mod:`.text`        sentences, headline, truncation, the part that describes the picture
* :mod:`.vocab`       the JSON vocabularies in ``schemas/`` and matching them in text
* :mod:`.geo`         reference data: GeoNames cities, ISO 3166 countries and subdivisions
* :mod:`.places`      place mentions -> :class:`~packager.model.Location` values, with
  :mod:`.placeguards` (when a name is a place) and :mod:`.landmarks` (named sites)
* :mod:`.entities`    organisations, persons, events, keywords, digital source type, with
  :mod:`.persons` (shown or mentioned, role words), :mod:`.orgnames` and :mod:`.events`
  (names the vocabulary lacks, by their form)
* :mod:`.title`       a short devised title (64 bytes, the IIM ObjectName limit), built from
  the phrases :mod:`.phrases` cuts a sentence into and the rewrites in :mod:`.wording`
* :mod:`.overrides`   per-item values from the archivist (CSV columns, the review sheet) and
  the collection's defaults
* :mod:`.similar`     near-duplicate captions across a collection

Everything here is pure: text in, values out. The vocabularies are data, so
that recognising a new place or organisation is an edit to ``schemas/``, not
to code.
"""
