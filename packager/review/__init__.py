"""Stage 3, the review sheet: the analysed fields written to a spreadsheet for an
archivist to correct (:mod:`.sheet`), and read back and applied to the records, the
archivist's values winning. :mod:`.cells` owns spreadsheet-safe cells and lists."""
