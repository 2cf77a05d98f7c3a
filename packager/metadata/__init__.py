"""Stage 4, metadata formats: what a record becomes, with no I/O of its own.

* :mod:`.crosswalk`  record -> Dublin Core pairs and ExifTool tags (``schemas/crosswalk.toml``)
* :mod:`.tagvalues`  the pure value handling around ExifTool (limits, lists, comparison)
* :mod:`.text`       the one rule for characters XML (so XMP and DC) cannot carry
* :mod:`.sidecars`   the sidecar files of a bag: DC records, metadata.csv, originals checksums
* :mod:`.layout`     where everything sits in our bags, and how a bag names its maker
* :mod:`.provenance` the software versions recorded in every bag and report

Both the bag writer and the validator build on this stage; it imports neither.
"""
