"""A short devised title: what a cataloguer would write, within 64 UTF-8 bytes.

IPTC-IIM ObjectName holds 64 bytes, and a title clipped there by the embedder
would end mid-word. So the title is built from the first sentence by steps
that keep it grammatical, never by clipping characters:

1. names are written in their canonical form (Tian An Men square ->
   Tiananmen Square, Sensetime -> SenseTime); parentheses, repeated words and
   the final full stop go; a cut-off last word goes;
2. an opening adverbial ("In Xiangyang, at a crossroad, ...") moves behind the
   main clause, "is/are doing" becomes "doing", a leading article goes;
3. the place shown moves to the end as ", City" (the cataloguer's form);
4. while too long: drop modifiers ("equipped with ..."), relative clauses
   ("where ..."), then keep whole phrases in order (phrases naming an
   organisation or a landmark first) as far as they fit, and never end on a
   preposition, article or participle.

For screen captures a second candidate without "Screen capture of" is built;
it wins when the first had to lose most of its words. Deterministic: the same
sentence always gives the same title.
"""

from __future__ import annotations

from dataclasses import replace

from packager.model import Location

from .phrases import (
    ARTICLES,
    BAD_ENDS,
    CLAUSE_WORDS,
    PREPOSITIONS,
    Tok,
    chunks,
    core,
    cut,
    dedupe,
    drop_parentheticals,
    is_boundary,
    is_participle,
    low,
    size,
    strip_end,
    tokens,
)
from .vocab import Mention, keywords
from .wording import compress, is_all_caps, mend, participles

LIMIT = 64
MODIFIERS = frozenset({"equipped", "fitted", "armed", "coupled", "connected", "linked", "set"})
LOCATIVES = frozenset({"in", "on", "at", "near", "inside", "outside", "behind", "alongside", "during"})
LEAD_STARTERS = frozenset({"in", "at", "on", "near", "inside", "outside", "during", "after", "before", "while", "from",
                           "under", "behind", "with", "as", "developed", "developped", "built", "made", "designed",
                           "minutes", "moments", "seconds", "hours", "days", "weeks", "shortly"})
PLACE_CONNECTORS = frozenset({"the", "city", "town", "village", "old", "of", "in", "at", "on", "near", "from",
                              "province", "county", "region", "capital", "downtown", "central"})
ADMIN_WORDS = frozenset({"province", "region", "county", "municipality", "prefecture", "state", "district",
                         "autonomous"})
PLACE_PREPOSITIONS = frozenset({"in", "at", "on", "near", "of", "from"})
SCREEN_LEADS = frozenset({"screen capture", "screen captures", "screenshot", "screenshots", "screen grab",
                          "screengrab", "screen shot"})
MEDIA_WORDS = frozenset({"video", "cctv", "live", "footage", "surveillance"})


def devise(sentence: str, mentions: list[Mention], location: Location | None, cut_off: bool) -> str:
    """The title for a caption's first sentence (offsets of ``mentions`` refer to it)."""
    toks = tokens(sentence, mentions)
    if cut_off and len(toks) > 1:
        toks = toks[:-1]
    toks = mend(toks, is_all_caps(sentence), _acronyms())
    toks = strip_end(dedupe(drop_parentheticals(toks)), shortened=cut_off)
    toks = participles(compress(_drop_aux(_reorder_lead(toks))))
    toks, suffix = _move_places(toks, location)
    toks = _media(_capitalise(_drop_article(toks)))
    if not toks:
        return _clip_words(suffix)
    body = _best(toks, suffix)
    return body + (", " + suffix if suffix and body else suffix)


# --- step 1 and 2: normalise -------------------------------------------------

def _acronyms() -> frozenset[str]:
    """Keyword variants written in capitals (CCTV, ID): kept when a caption in capitals is lowered."""
    return frozenset(v for t in keywords().concepts.values() for v in t.data.get("variants", [])
                     if v.isupper() and len(v) > 1)


def _reorder_lead(toks: list[Tok]) -> list[Tok]:
    """Move opening adverbials ("At a checkpoint in Hangzhou, ...") behind the main clause."""
    if not toks or low(toks[0]) not in LEAD_STARTERS:
        return toks
    segments: list[list[Tok]] = [[]]
    for tok in toks:
        segments[-1].append(tok)
        if tok.text.endswith(","):
            segments.append([])
    count = 0
    while count < len(segments) - 1 and segments[count] and low(segments[count][0]) in LEAD_STARTERS | PREPOSITIONS:
        count += 1
    main = [t for seg in segments[count:] for t in seg]
    if count == 0 or not main:
        return toks
    lead = [replace(t, lead=n) for n, seg in enumerate(segments[:count], start=1) for t in seg]
    lead[-1] = replace(lead[-1], text=lead[-1].text.rstrip(","))
    first = lead[0]
    if not first.kind and first.text[1:].islower():
        lead[0] = replace(first, text=first.text[0].lower() + first.text[1:])
    return main + lead


def _drop_aux(toks: list[Tok]) -> list[Tok]:
    """ "guests are scanning" -> "guests scanning": titles are phrases, not sentences."""
    return [t for i, t in enumerate(toks)
            if not (low(t) in ("is", "are") and t.text == core(t) and i + 1 < len(toks)
                    and is_participle(toks[i + 1]) and low(toks[i + 1]).endswith("ing"))]


def _drop_article(toks: list[Tok]) -> list[Tok]:
    if len(toks) > 1 and low(toks[0]) in ARTICLES and toks[0].text == core(toks[0]):
        return toks[1:]
    return toks


def _capitalise(toks: list[Tok]) -> list[Tok]:
    if toks and toks[0].text[:1].islower() and not toks[0].kind:
        return [replace(toks[0], text=toks[0].text[0].upper() + toks[0].text[1:])] + toks[1:]
    return toks


# --- step 3: the place moves to the end ----------------------------------------

def _move_places(toks: list[Tok], location: Location | None) -> tuple[list[Tok], str]:
    """Take the shown place's city/province/country out of the phrase; return it as the suffix."""
    if location is None:
        return toks, ""
    names = {location.city, location.province_state, location.country} - {""}
    out = list(toks)
    i = 0
    while i < len(out):
        tok = out[i]
        if tok.kind == "place" and tok.name in names and core(tok) == tok.name:
            start = _place_phrase_start(out, i)
            if start == i and i > 0 and low(out[i - 1]) in PLACE_PREPOSITIONS and i + 1 < len(out) \
                    and core(out[i + 1]).lower() in ADMIN_WORDS:
                i += 1  # "Police in Henan province check papers": taking the place out would break the phrase
                continue
            if start < i and out[i].text.endswith(",") and start > 0 and i + 1 < len(out):
                out[start - 1] = replace(out[start - 1], text=out[start - 1].text.rstrip(",") + ",")
            if i + 1 < len(out) and core(out[i + 1]).lower() in ADMIN_WORDS and not out[i + 1].kind:
                i += 1  # "Henan province": the word naming the level goes with the place
                if start > 0 and out[i].text != core(out[i]):
                    out[start - 1] = replace(out[start - 1], text=out[start - 1].text.rstrip(",")
                                             + out[i].text[len(core(out[i])):].rstrip("."))
            del out[start:i + 1]
            i = start
            continue
        i += 1
    suffix = location.city or location.province_state or location.country
    written = " ".join(t.text for t in out)
    if suffix in written or any(t.kind == "place" and t.name == suffix for t in out):
        suffix = ""  # the place is still written in the title (in another script: 北京)
    return out, suffix


def _connects(tok: Tok) -> bool:
    return not tok.kind and low(tok) in PLACE_CONNECTORS and tok.text == core(tok)


def _place_phrase_start(toks: list[Tok], i: int) -> int:
    """Where the phrase introducing the place at ``i`` starts ("of the city of Rongcheng")."""
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if nxt is not None and nxt.kind == "sublocation":
        return i  # "Beijing National Centre for the Performing Arts"
    j = i
    while j > 0 and _connects(toks[j - 1]):
        j -= 1
    place = i
    if nxt is not None and core(nxt).lower() in ADMIN_WORDS and not nxt.kind:  # "in Henan province, ..."
        i += 1
        nxt = toks[i + 1] if i + 1 < len(toks) else None
    phrase_end = nxt is None or toks[i].text.endswith(",") or is_boundary(nxt)
    if j < place and low(toks[j]) in PLACE_PREPOSITIONS and (phrase_end or j == 0):
        return j
    return place


# --- step 4: fit in 64 bytes ----------------------------------------------------

def _media(toks: list[Tok]) -> list[Tok]:
    """ "Screen capture of a video footage showing X" -> "Screen capture of X"."""
    lead = _screen_lead(toks)
    if not lead:
        return toks
    j = lead + (1 if lead < len(toks) and low(toks[lead]) in ARTICLES else 0)
    k = j
    while k < len(toks) and low(toks[k]) in MEDIA_WORDS and not toks[k].text.endswith(","):
        k += 1
    has_media = any(low(t) in ("video", "footage") for t in toks[j:k])
    if has_media and k < len(toks) and low(toks[k]) in ("showing", "using", "of"):
        return toks[:lead] + toks[k + 1:]
    return toks


def _screen_lead(toks: list[Tok]) -> int:
    """Number of tokens in an opening "Screen capture(s) of" / "Screenshot of", else 0."""
    for count in (3, 2):
        if len(toks) > count and " ".join(low(t) for t in toks[:count - 1]) in SCREEN_LEADS \
                and low(toks[count - 1]) == "of":
            return count
    return 0


def _best(toks: list[Tok], suffix: str) -> str:
    """Fit ``toks``; for screen captures also try without the lead and keep the better one.

    Better means naming more (organisations, products, landmarks), then
    keeping more words: "Facial recognition software in use at Megvii
    showroom" says more than "Screen capture of facial recognition software",
    and the digital source type already records the screen capture.
    """
    budget = LIMIT - (len(suffix.encode("utf-8")) + 2 if suffix else 0)
    first, was_cut = _fit(toks, budget)
    lead = _screen_lead(toks)
    if lead:
        second, _ = _fit(_capitalise(_drop_article(toks[lead:])), budget)
        named, kept = _score(first[lead:])
        if was_cut or _score(second)[0] > named or kept * 2 < _content(toks[lead:]):
            first = second
    return " ".join(t.text for t in strip_end(first, shortened=False))


def _score(toks: list[Tok]) -> tuple[int, int]:
    """(names kept, content words kept)."""
    return sum(1 for t in toks if t.kind), _content(toks)


def _content(toks: list[Tok]) -> int:
    return sum(1 for t in toks if t.kind or low(t) not in BAD_ENDS)


def _fit(toks: list[Tok], budget: int) -> tuple[list[Tok], bool]:
    """The longest grammatical selection within ``budget``; True when the first phrase was cut."""
    if size(toks) <= budget:
        return toks, False
    for reducer in (_drop_modifiers, _drop_relatives):
        toks = strip_end(reducer(toks))
        if size(toks) <= budget:
            return toks, False
    phrases = chunks(toks)
    if size(phrases[0]) > budget:
        return cut(phrases[0], budget), True
    chosen = {0}
    named = [k for k in range(1, len(phrases)) if any(t.kind for t in phrases[k])]
    for k in named:  # phrases naming something: each one that fits
        if _fits(phrases, chosen | {k}, budget):
            chosen.add(k)
    for k in range(1, len(phrases)):  # then the others in order, up to the first that does not fit
        if k not in chosen:
            if not _fits(phrases, chosen | {k}, budget):
                return _filled(phrases, chosen, k, budget), False
            chosen.add(k)
    return _join(phrases, chosen), False


def _filled(phrases: list[list[Tok]], chosen: set[int], k: int, budget: int) -> list[Tok]:
    """The chosen phrases, and when they use under half the budget, the words of phrase ``k`` that fit.

    English captions split into many short phrases; a sentence in a script
    without our prepositions ("Москва: полиция патрулирует ...") may be one
    long phrase after the first, and a title of one word says too little.
    """
    kept = _join(phrases, chosen)
    if size(kept) * 2 >= budget or max(chosen) > k:
        return kept
    head = [t for n, c in enumerate(phrases) if n in chosen and n < k for t in c]
    room = budget - size(head) - 1
    extra = cut(phrases[k], room) if room > 0 else []
    return strip_end(head + extra) if extra else kept


def _join(phrases: list[list[Tok]], chosen: set[int]) -> list[Tok]:
    return strip_end([t for n, c in enumerate(phrases) if n in chosen for t in c])


def _fits(phrases: list[list[Tok]], chosen: set[int], budget: int) -> bool:
    return size(_join(phrases, chosen)) <= budget


def _drop_modifiers(toks: list[Tok]) -> list[Tok]:
    """Remove "equipped with surveillance cameras" up to the next place phrase or comma."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        if low(toks[i]) in MODIFIERS and not toks[i].kind and i > 0:
            j = i + 1
            while j < len(toks) and not toks[j - 1].text.endswith(",") and low(toks[j]) not in LOCATIVES:
                j += 1
            if out and toks[j - 1].text.endswith(",") and out[-1].text.endswith(","):
                out[-1] = replace(out[-1], text=out[-1].text.rstrip(","))
            i = j
            continue
        out.append(toks[i])
        i += 1
    return out


def _drop_relatives(toks: list[Tok]) -> list[Tok]:
    """Remove "where ..." / "which ..." clauses up to the next comma."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        if low(toks[i]) in CLAUSE_WORDS - {"while", "when"} and not toks[i].kind and i > 0:
            while i < len(toks) and not toks[i].text.endswith(","):
                i += 1
            i += 1
            continue
        out.append(toks[i])
        i += 1
    return out


def _clip_words(text: str) -> str:
    if len(text.encode("utf-8")) <= LIMIT:
        return text
    return " ".join(t.text for t in cut([Tok(w) for w in text.split()], LIMIT))
