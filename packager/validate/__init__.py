"""The receiving side: everything a library needs to check a bag, and nothing of the writer.

* :mod:`.source`  the abstract bag source every check reads through; :mod:`.opening` picks one:
  a folder (:mod:`.folder`, hashing in threads: :mod:`.hashpool`), or a tar/tar.gz/zip read in place
  (:mod:`.archive`, :mod:`.archive_tar`, :mod:`.archive_zip`, :mod:`.local_copies`)
* :mod:`.check` (+ :mod:`.contents`, :mod:`.coverage`, :mod:`.tags`, :mod:`.manifest`, :mod:`.paths`,
  :mod:`.payload`)  BagIt rules, lint
* :mod:`.profile` (+ :mod:`.profile_formats`)  BagIt profiles
* :mod:`.metacheck` (+ :mod:`.metabag`, :mod:`.metacsv`, :mod:`.sidecars`, :mod:`.images`)  the metadata
  layer: sidecars and embedded tags; the large sidecars are read as streams (:mod:`.csvstream`,
  :mod:`.recordstream`, :mod:`.originalstream`) and what each image is checked against waits on disk
  (:mod:`.spill`)
* :mod:`.validator`  composes the layers into one report; :mod:`.proven` is what a writer hands to
  its own check after writing

Nothing here imports :mod:`packager.bag`, :mod:`packager.embed` or :mod:`packager.pipeline`
(``tests/test_architecture.py`` holds it so; docs/architecture.md gives the design).
"""
