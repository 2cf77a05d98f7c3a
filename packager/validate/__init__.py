"""The receiving side: everything a library needs to check a bag, and nothing of the writer.

* :mod:`.source`  the abstract bag source every check reads through; :mod:`.opening` picks one:
  a folder (:mod:`.folder`), or a tar/tar.gz/zip read in place (:mod:`.archive`, :mod:`.archive_tar`,
  :mod:`.archive_zip`, :mod:`.local_copies`)
* :mod:`.check` (+ :mod:`.contents`, :mod:`.coverage`, :mod:`.tags`, :mod:`.manifest`, :mod:`.paths`,
  :mod:`.payload`)  BagIt rules, lint
* :mod:`.profile` (+ :mod:`.profile_formats`)  BagIt profiles
* :mod:`.metacheck` (+ :mod:`.metabag`, :mod:`.metacsv`, :mod:`.sidecars`, :mod:`.images`)  the metadata
  layer: sidecars and embedded tags
* :mod:`.validator`  composes the layers into one report

Nothing here imports :mod:`packager.bag`, :mod:`packager.embed` or :mod:`packager.pipeline`
(``tests/test_architecture.py`` holds it so; docs/architecture.md gives the design).
"""
