"""The receiving side: everything a library needs to check a bag, and nothing of the writer.

* :mod:`.source`, :mod:`.archive`  a bag folder, or a tar/tar.gz/zip read in place
* :mod:`.check` (+ :mod:`.tags`, :mod:`.manifest`, :mod:`.paths`, :mod:`.payload`)  BagIt rules, lint
* :mod:`.profile` (+ :mod:`.profile_formats`)  BagIt profiles
* :mod:`.metacheck` (+ :mod:`.images`)  the metadata layer: sidecars and embedded tags
* :mod:`.validator`  composes the layers into one report

Nothing here imports :mod:`packager.bag`, :mod:`packager.embed` or :mod:`packager.pipeline`
(``tests/test_architecture.py`` holds it so).
"""
