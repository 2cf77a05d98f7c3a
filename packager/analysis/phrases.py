"""Words and phrases of an English caption sentence, for building titles.

A title is made of whole phrases of the first sentence, so the sentence is
cut into tokens (a name of several words is one token, written in its
canonical form) and the tokens into phrases at prepositions, participles,
verbs and commas. The word lists are deliberately small and plain: this is a
heuristic for photo captions, not a parser, and it errs towards keeping a
phrase whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import pairwise

from .cjk import is_cjk
from .vocab import ENTITY_KINDS, Mention

_DOTTED = re.compile(r"(?:[A-Za-z]\.){2,}")  # A.I., I.D.: the final stop belongs to the word
_STRIP = " .,;:!?()[]{}\"'“”‘’«»…"
PREPOSITIONS = frozenset({"in", "on", "at", "by", "with", "for", "to", "from", "near", "during", "alongside", "via",
                          "into", "through", "across", "outside", "inside", "under", "over", "behind", "after",
                          "before", "against", "between", "among", "around", "about", "like", "of", "as"})
CLAUSE_WORDS = frozenset({"where", "which", "who", "whose", "while", "when", "whereas"})
VERBS = frozenset({"is", "are", "was", "were", "has", "have", "had", "allows", "allow", "displays", "shows", "uses",
                   "helps", "lets", "enables", "contains", "features", "describes", "will", "can", "could",
                   "would", "may", "might", "must", "should"})
PARTICIPLES = frozenset({"equipped", "fitted", "armed", "coupled", "connected", "linked", "developed", "developped",
                         "displayed", "shown", "installed", "implemented", "set", "based", "located", "held", "seen",
                         "taken", "used", "made", "built", "designed", "mounted", "placed"})
NOT_PARTICIPLES = frozenset({"building", "evening", "morning", "ceiling", "clothing", "thing", "nothing", "something",
                             "anything", "everything", "king", "ring", "spring", "string", "wing", "during", "parking",
                             "meeting", "housing", "training", "painting", "wedding", "crossing", "railing", "awning"})
ARTICLES = frozenset({"a", "an", "the", "this", "these", "those"})
PENDING = frozenset({"on display", "in use", "on show", "on sale", "on view"})
BAD_ENDS = PREPOSITIONS | CLAUSE_WORDS | VERBS | ARTICLES | frozenset(
    {"that", "his", "her", "their", "its", "our", "and", "or", "but", "nor", "being", "been", "be", "not", "very"})


@dataclass(frozen=True)
class Tok:
    """A word (or a whole name) with the punctuation written after it."""

    text: str
    kind: str = ""  # "", "place", "sublocation" or "entity"
    name: str = ""  # canonical name for names
    lead: int = 0  # > 0: part of the n-th opening adverbial moved behind the main clause


def tokens(sentence: str, mentions: list[Mention]) -> list[Tok]:
    """Split on white space; a mention (even of several words) becomes one token."""
    starts = {m.start: m for m in mentions}
    out: list[Tok] = []
    i, n = 0, len(sentence)
    while i < n:
        if sentence[i].isspace():
            i += 1
            continue
        parts: list[str] = []
        kind, name, j = "", "", i
        while j < n and not sentence[j].isspace():
            mention = starts.get(j)
            if mention and not kind:
                kind, name = _kind(mention), mention.term.name
                if not parts and out and out[-1].text.lower() == "the" and _renamed_common(mention):
                    out.pop()  # "the old city of Kashgar" -> "Kashgar Old City": the article went with the phrase
                # Events and persons keep their written form, and so does a name in another script
                # (北京 stays 北京 in a Chinese sentence); other names take their canonical form.
                parts.append(mention.text if mention.term.kind in ("event", "person") or is_cjk(mention.text)
                             else name)
                j = mention.end
                continue
            parts.append(sentence[j])
            j += 1
        out.append(Tok("".join(parts), kind, name))
        i = j
    return out


def _renamed_common(mention: Mention) -> bool:
    """A name written as a common-noun phrase ("old city of Kashgar") whose canonical form is a proper name."""
    return mention.text[:1].islower() and mention.term.name[:1].isupper() and not mention.term.name.startswith("The ")


def _kind(mention: Mention) -> str:
    if mention.term.kind in ENTITY_KINDS:
        return "entity"
    return "sublocation" if mention.term.kind == "sublocation" else "place"


def core(tok: Tok) -> str:
    return tok.text.strip(_STRIP)


def low(tok: Tok) -> str:
    return core(tok).lower()


def is_participle(tok: Tok) -> bool:
    word = core(tok)
    if tok.kind or not word.islower():
        return False
    return word in PARTICIPLES or (len(word) >= 5 and word.endswith("ing") and word.isalpha()
                                   and word not in NOT_PARTICIPLES)


def is_boundary(tok: Tok) -> bool:
    if tok.kind:
        return False
    word = low(tok)
    return (word in PREPOSITIONS - {"of"} or word in CLAUSE_WORDS or word in VERBS) or is_participle(tok)


def size(toks: list[Tok]) -> int:
    return len(" ".join(t.text for t in toks).encode("utf-8"))


def drop_parentheticals(toks: list[Tok]) -> list[Tok]:
    """Remove "(right)", "(2600 feet)", "(Shandong)"; punctuation after ")" moves back."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        close = _closing(toks, i)
        if close is None:
            out.append(toks[i])
            i += 1
            continue
        after = toks[close].text[toks[close].text.rfind(")") + 1:]
        if out and after:
            out[-1] = replace(out[-1], text=out[-1].text + after)
        i = close + 1
    return out


def _closing(toks: list[Tok], i: int) -> int | None:
    if not toks[i].text.startswith("("):
        return None
    for j in range(i, min(i + 8, len(toks))):
        if ")" in toks[j].text:
            return j
    return None


def dedupe(toks: list[Tok]) -> list[Tok]:
    """Drop a word written twice in a row ("the the", "monitoring monitoring")."""
    out: list[Tok] = []
    for tok in toks:
        if out and low(out[-1]) == low(tok) and out[-1].text == core(out[-1]):
            continue
        out.append(tok)
    return out


def strip_end(toks: list[Tok], shortened: bool = True) -> list[Tok]:
    """Remove trailing punctuation and words a title cannot end on.

    A participle ends a phrase well only where the sentence itself ended
    ("Farmers working"), not where it was shortened ("Members using"), so
    ``shortened=False`` keeps it.
    """
    toks = list(toks)
    while toks:
        last = toks[-1]
        text = last.text if _DOTTED.fullmatch(last.text) else last.text.rstrip(".,;:!?…")
        if not text or (not last.kind and (low(last) in BAD_ENDS or shortened and is_participle(last))):
            toks.pop()
            continue
        toks[-1] = replace(last, text=text)
        break
    return toks


def chunks(toks: list[Tok]) -> list[list[Tok]]:
    """Phrases: a new one starts at a preposition, participle, verb or comma.

    A moved adverbial ("minutes before a concert is to start") stays whole:
    a part of it would not make sense at the end of the title.
    """
    chunks: list[list[Tok]] = [[toks[0]]]
    for prev, tok in pairwise(toks):
        if tok.lead:
            if tok.lead != prev.lead:
                chunks.append([tok])
            else:
                chunks[-1].append(tok)
        elif is_boundary(tok) or prev.text.endswith((",", ";", ":")):
            chunks.append([tok])
        else:
            chunks[-1].append(tok)
    merged: list[list[Tok]] = []
    for chunk in chunks:
        last = merged[-1][-1] if merged else None
        if last is not None and not last.kind and not last.text.endswith(",") \
                and (low(last) in BAD_ENDS or is_participle(last)):
            merged[-1] = merged[-1] + chunk
        elif last is not None and _pending(merged[-1]) and low(chunk[0]) in PREPOSITIONS and not chunk[0].lead:
            merged[-1] = merged[-1][:-1] + [replace(last, text=core(last))] + chunk
        else:
            merged.append(chunk)
    return merged


def _pending(chunk: list[Tok]) -> bool:
    """ "on display", "in use": phrases that only make sense with the place that follows them."""
    return " ".join(low(t) for t in chunk) in PENDING


def cut(toks: list[Tok], budget: int) -> list[Tok]:
    """Whole words that fit; a single over-long word (text without spaces) by characters."""
    out: list[Tok] = []
    for tok in toks:
        if size(out + [tok]) > budget:
            break
        out.append(tok)
    if len(out) < len(toks) and core(toks[len(out)])[:1].isupper():
        while len(out) > 1 and core(out[-1])[:1].isupper() and not out[-1].kind:
            out.pop()  # never end inside a name: "shown at the Public [Security Expo]"
    out = strip_end(out)
    if not out and toks:
        return [replace(toks[0], text=clip_chars(toks[0].text, budget))]
    return out


def clip_chars(text: str, budget: int) -> str:
    """Clip text without spaces (Chinese, Japanese) at a character, preferably after a comma."""
    clipped = text.encode("utf-8")[:budget].decode("utf-8", "ignore")
    comma = max(clipped.rfind(mark) for mark in "，、；：,;:")
    return clipped[:comma] if comma >= len(clipped) // 2 else clipped
