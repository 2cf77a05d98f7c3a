"""Sentences, headline and truncation: the parts of analysis that need no vocabulary.

Gallery captions follow the news convention: the first sentence says what the
picture shows, later sentences give background. That is why the first
sentence becomes the headline and is the only part searched for what is
*shown* (places, organisations, persons); later sentences only *mention*.
"""

from __future__ import annotations

import re
import unicodedata

TERMINALS = ".!?…"
FULL_WIDTH_TERMINALS = "。！？"  # CJK sentence ends: no space follows them
CLOSERS = "\"'”’»)]}」』）"
OPENERS = "\"'“‘«([{「『（"
# Abbreviations whose final period does not end a sentence.
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "st", "mt", "no", "nos", "vs", "jr", "sr", "gen", "col", "lt", "sgt",
    "capt", "gov", "sen", "rep", "inc", "ltd", "co", "corp", "approx", "fig", "dept", "ca", "cf", "vol", "pp",
})
_CANDIDATE = re.compile(rf"[{re.escape(TERMINALS)}]+[{re.escape(CLOSERS)}]*(?=\s+(\S))"
                        rf"|[{FULL_WIDTH_TERMINALS}]+[{re.escape(CLOSERS)}]*(?=\s*(\S))")
_DOTTED = re.compile(r"^(?:[A-Za-z]\.){2,}$")  # A.I., I.D., e.g., U.S.
_INITIAL = re.compile(r"^[A-Z]\.$")  # J. in "J. Smith"
_COMPLETE_END = re.compile(rf"[.!?{FULL_WIDTH_TERMINALS}][{re.escape(CLOSERS)}]*$")


def for_analysis(caption: str) -> str:
    """The caption as the analysis reads it: in Unicode NFC.

    The rule: the caption itself (the record's description) is kept exactly as
    written, in whatever normalisation form it came (macOS and some web pages
    write NFD: ``u`` followed by a combining diaeresis). Only what is derived
    from it (headline, title, places, names) is read from, and written in, NFC,
    the form of the gazetteer and the vocabularies; without this an NFD
    "Ürümqi" is no place at all.
    """
    return unicodedata.normalize("NFC", caption)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; ``end`` includes the terminal mark and closers."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        if _ends_sentence(text, match):
            spans.append((start, match.end()))
            start = match.end()
            while start < len(text) and text[start].isspace():
                start += 1
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    if match.group(0)[0] in FULL_WIDTH_TERMINALS:
        return True
    nxt = match.group(1)
    if not (nxt[0].isupper() or nxt[0].isdigit() or nxt[0] in OPENERS):
        return False
    if not match.group(0).startswith(".") or match.group(0).startswith(".."):
        return True
    word = text[:match.start() + 1].rsplit(None, 1)[-1].lstrip(OPENERS)
    if _DOTTED.match(word) or _INITIAL.match(word):
        return False
    return word[:-1].lower() not in ABBREVIATIONS


# A sentence opening with one of these says what the picture shows, wherever it stands:
# "President X has launched a campaign. Pictured: police in Urumqi."
_PICTURE_MARKERS = re.compile(r"(?i)^[\"'“‘(\[]*(?:pictured|picture|photo|photograph|image|above|below|left|right|"
                              r"top|bottom|in the (?:picture|photo|image)|shown|seen here)\s*[:\-–—]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_LETTER = re.compile(r"[^\W\d_]")


def descriptive_end(text: str, spans: list[tuple[int, int]] | None = None) -> int:
    """Where the part of the caption that describes the picture ends.

    Normally the first sentence (see the module docstring). Two forms extend it:

    * a caption opening in another script and then repeating itself in Latin
      script ("Полиция на Красной площади. Police on Red Square, Moscow.")
      describes the picture in both, so the part runs to the end of the first
      Latin-script sentence;
    * a later sentence marked "Pictured:", "Photo:", "Above:"... describes the
      picture too, so the part runs to its end.

    Everything after the returned offset is background.
    """
    spans = sentence_spans(text) if spans is None else spans
    if not spans:
        return len(text)
    end = spans[0][1]
    following = spans[1:]
    if not _is_latin(text[spans[0][0]:spans[0][1]]):
        for start, stop in following:
            if _is_latin(text[start:stop]):
                end = stop
                break
    for start, stop in following:
        if stop > end and _PICTURE_MARKERS.match(text[start:stop]):
            end = stop
    return end


def pictured_start(text: str, spans: list[tuple[int, int]] | None = None) -> int:
    """Where the description of the picture starts: a later "Pictured:" sentence, else 0.

    "China's leader Xi Jinping attends a meeting. Pictured: a police drone over
    Yinchuan." The first sentence is then a statement, not the picture: what it
    names is mentioned, not shown.
    """
    spans = sentence_spans(text) if spans is None else spans
    for start, stop in spans[1:]:
        if _PICTURE_MARKERS.match(text[start:stop]):
            return start
    return 0


def _is_latin(sentence: str) -> bool:
    """Mostly Latin letters (a Russian sentence naming "Apple" is still Russian)."""
    letters = _LETTER.findall(sentence)
    return bool(letters) and len(_LATIN.findall(sentence)) * 2 > len(letters)


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def headline(text: str) -> str:
    """The first sentence; a caption of one (possibly cut-off) sentence is its own headline."""
    spans = sentence_spans(text)
    return text[spans[0][0]:spans[0][1]] if spans else text.strip()


def is_truncated(text: str) -> bool:
    """True when the caption stops mid-sentence.

    Complete means a final ``.``, ``!`` or ``?`` (or their full-width CJK
    forms), optionally followed by
    closing quotes or brackets. A trailing ellipsis counts as cut off: web
    pages add one when they shorten text, and captions seldom end in one.
    """
    stripped = text.rstrip()
    if not stripped:
        return False
    if stripped.rstrip(CLOSERS).endswith(("...", "…")):
        return True
    return _COMPLETE_END.search(stripped) is None


def tail(text: str, size: int = 30) -> str:
    """The last few words, for messages about where a caption stops."""
    stripped = text.rstrip()
    if len(stripped) <= size:
        return stripped
    cut = stripped[-size:]
    space = cut.find(" ")
    return "…" + (cut[space + 1:] if 0 <= space < size - 5 else cut)
