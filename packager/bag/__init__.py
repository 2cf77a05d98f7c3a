"""Stage 6, the bag writer: staging, manifests, bag-info and the atomic rename
(:mod:`.writer`), and the text formats of tag files (:mod:`.format`). It never imports
the validator: a bag is checked by re-reading it, as a library would."""
