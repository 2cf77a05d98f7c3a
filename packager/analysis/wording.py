"""A cataloguer's wording: small rewrites that turn a caption's sentence into title phrasing.

A devised title is not a quotation (ISBD and DACS put it in brackets for
that reason), so it may mend what a caption gets wrong and say the same
thing in fewer bytes. Each rewrite here keeps the caption's meaning and only
reorders or drops words a cataloguer would drop; none invents content:

* spelling slips the captions of this kind make ("developped") are mended;
* a caption IN CAPITALS is written in sentence case, names in their
  canonical form;
* "developed by Megvii" becomes "by Megvii"; "the showroom of Megvii"
  becomes "Megvii showroom"; "a system allowing facial identification"
  becomes "a facial identification system";
* a title is a phrase, not a sentence: "a screen displays photos" becomes
  "screen displaying photos", "a video shows a system" becomes "video of a
  system".
"""

from __future__ import annotations

from dataclasses import replace

from .phrases import ARTICLES, PENDING, PREPOSITIONS, Tok, core, low

SPELLING = {"developped": "developed", "developping": "developing", "recieve": "receive", "recieved": "received", "goverment": "government", "accomodation": "accommodation",
            "occured": "occurred", "untill": "until", "wich": "which", "sucess": "success"}
MAKER_VERBS = frozenset({"developed", "designed", "made", "built", "created", "produced", "manufactured"})
OWNED_NOUNS = frozenset({"showroom", "headquarters", "office", "offices", "stand", "booth", "factory", "laboratory",
                         "lab", "campus", "store", "shop", "exhibition", "pavilion", "warehouse"})
SYSTEM_NOUNS = frozenset({"system", "systems", "software", "app", "application", "technology", "device", "devices",
                          "camera", "cameras", "tool", "platform", "program", "programme"})
ENABLING = frozenset({"allowing", "enabling", "permitting"})
MEDIA_NOUNS = frozenset({"video", "videos", "footage", "film", "animation", "clip", "recording"})
# Finite verbs a picture caption uses for what is seen, and their participles.
PARTICIPLES = {
    "displays": "displaying", "walks": "walking", "stands": "standing", "waits": "waiting", "sits": "sitting",
    "uses": "using", "checks": "checking", "looks": "looking", "watches": "watching", "passes": "passing",
    "plays": "playing", "speaks": "speaking", "waves": "waving", "scans": "scanning", "patrols": "patrolling",
    "holds": "holding", "reads": "reading", "works": "working", "meets": "meeting", "visits": "visiting",
    "attends": "attending", "inspects": "inspecting", "monitors": "monitoring", "queues": "queuing",
    "rides": "riding", "carries": "carrying", "guards": "guarding", "protests": "protesting",
    "arrives": "arriving", "leaves": "leaving", "poses": "posing", "prays": "praying", "sells": "selling",
    "buys": "buying", "talks": "talking", "gathers": "gathering", "hands": "handing", "enters": "entering"}


def mend(toks: list[Tok], all_caps: bool, keep: frozenset[str]) -> list[Tok]:
    """Spelling slips mended; a caption in capitals put in sentence case (``keep``: acronyms to leave)."""
    out = []
    for tok in toks:
        text = tok.text
        if all_caps and not tok.kind and core(tok) not in keep:
            text = text.lower()
        word = core(replace(tok, text=text))
        if word.lower() in SPELLING and not tok.kind:
            text = text.replace(word, _same_case(word, SPELLING[word.lower()]))
        out.append(replace(tok, text=text))
    return out


def _same_case(model: str, word: str) -> str:
    return word[0].upper() + word[1:] if model[:1].isupper() else word


def is_all_caps(sentence: str) -> bool:
    letters = [c for c in sentence if c.isalpha() and c.isascii()]
    return len(letters) >= 8 and all(c.isupper() for c in letters)


def compress(toks: list[Tok]) -> list[Tok]:
    """The shorter phrasings of the module docstring, applied left to right."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if nxt is not None and low(tok) in MAKER_VERBS and tok.text == core(tok) and low(nxt) == "by" and out:
            i += 1  # "developed by Megvii" -> "by Megvii"
            continue
        near = _near(toks, i)
        if near:
            out.append(replace(tok, text="near"))
            i += near
            continue
        owned = _owned(toks, i)
        if owned:
            out.extend(owned)
            i += 4
            continue
        system = _system(toks, i)
        if system:
            out.extend(system[0])
            i = system[1]
            continue
        if nxt is not None and out and tok.text.endswith(",") and low(nxt) in PREPOSITIONS \
                and f"{low(out[-1])} {low(tok)}" in PENDING:
            tok = replace(tok, text=core(tok))  # "in use, at the showroom" -> "in use at the showroom"
        out.append(tok)
        i += 1
    return out


NEAR = (("in", "the", "neighbourhood", "of"), ("in", "the", "neighborhood", "of"), ("in", "the", "vicinity", "of"),
        ("close", "to"), ("next", "to"), ("in", "front", "of"))


def _near(toks: list[Tok], i: int) -> int:
    """Length of a wordy "in the neighbourhood of" at ``i`` (said "near"), else 0."""
    for words in NEAR:
        span = toks[i:i + len(words)]
        if len(span) == len(words) and all(low(t) == w and t.text == core(t) for t, w in zip(span, words, strict=False)):
            return len(words) if words[0] != "in" or words[1] != "front" else 0
    return 0


def _owned(toks: list[Tok], i: int) -> list[Tok]:
    """ "the showroom of Megvii" -> "Megvii showroom" (only for an organisation and a place-like noun)."""
    if i + 4 > len(toks):
        return []
    art, noun, of, org = toks[i:i + 4]
    if not (low(art) == "the" and art.text == core(art) and low(noun) in OWNED_NOUNS and noun.text == core(noun)
            and low(of) == "of" and of.text == "of" and org.kind == "entity"):
        return []
    tail = org.text[len(core(org)):] if org.text.startswith(core(org)) else ""
    return [replace(org, text=core(org)), replace(noun, text=core(noun) + tail)]


def _system(toks: list[Tok], i: int) -> tuple[list[Tok], int] | None:
    """ "system allowing facial identification via..." -> "facial identification system via..."."""
    head = toks[i]
    if low(head) not in SYSTEM_NOUNS or head.text != core(head) or i + 2 >= len(toks):
        return None
    if low(toks[i + 1]) not in ENABLING:
        return None
    words: list[Tok] = []
    j = i + 2
    while j < len(toks) and len(words) < 3 and not toks[j].kind and core(toks[j]).islower() \
            and low(toks[j]) not in PREPOSITIONS | ARTICLES:
        words.append(toks[j])
        if toks[j].text != core(toks[j]):
            break
        j += 1
    if not words or (j < len(toks) and toks[j - 1].text == core(toks[j - 1]) and not _ends_phrase(toks[j])):
        return None
    tail = words[-1].text[len(core(words[-1])):]
    moved = [replace(w, text=core(w)) for w in words]
    return moved + [replace(head, text=core(head) + tail)], j


def _ends_phrase(tok: Tok) -> bool:
    return low(tok) in PREPOSITIONS or tok.kind != "" or core(tok).endswith("ing")


def participles(toks: list[Tok]) -> list[Tok]:
    """The first finite verb of the main clause as a participle; "video shows" as "video of"."""
    for i, tok in enumerate(toks[1:6], start=1):
        word = low(tok)
        if tok.kind or tok.lead or tok.text != core(tok):
            continue
        if word in ("shows", "showing") and low(toks[i - 1]) in MEDIA_NOUNS:
            return toks[:i] + [replace(tok, text="of")] + toks[i + 1:]
        if word in PARTICIPLES and low(toks[i - 1]) not in ARTICLES and core(toks[i - 1]) == toks[i - 1].text:
            return toks[:i] + [replace(tok, text=PARTICIPLES[word])] + toks[i + 1:]
    return toks
