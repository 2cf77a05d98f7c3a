"""The language a caption is written in, as far as its letters show it, and language codes.

:func:`caption_language` gives an item's ``dc.language``. A script names a
language only where one language owns it in practice, and only when that
script holds most of the caption's letters:

* Han, Hiragana/Katakana and Hangul count as one group (Chinese and Japanese
  share Han; Korean may quote it). Hangul for most of the group gives ``ko``;
  any Hiragana, or Katakana for a fifth of the group or more, gives ``ja``;
  Han alone gives ``zh``, or ``ja`` when the collection says Japanese (a short
  Japanese caption may be all kanji). A little Katakana in Han, or a little
  Hangul, decides nothing.
* Arabic letters give ``ar`` unless a letter the Arabic language does not use
  is there (پ چ ژ گ ک ی for Persian, ٹ ڈ ڑ ں ے for Urdu...): then nothing.
* Hebrew gives ``he`` unless a Yiddish ligature (װ ױ ײ) is there.
* Greek ``el``, Thai ``th``, Armenian ``hy``, Georgian ``ka``, Khmer ``km``,
  Lao ``lo``, Sinhala ``si``, Tamil ``ta``, Telugu ``te``, Kannada ``kn``,
  Malayalam ``ml``, Gujarati ``gu``, Gurmukhi ``pa``, Odia ``or``.
* Never Latin or Cyrillic letters (dozens of languages each), nor Devanagari
  (Hindi, Marathi, Nepali, Sanskrit) or Bengali (Bengali, Assamese): those
  captions keep the collection's language.

"Most" means more than half of the letters (Unicode category L, after NFKC so
that presentation forms count as their letters), and at least two. A caption
in English that names a few places in Chinese characters stays English.
When the script's language is the collection's (``zh`` for a ``zh-Hant``
collection), the collection's more precise tag is kept.

:func:`checked_code` reads a language code an archivist wrote (the CSV column
``language``): an ISO 639 code known to pycountry (two letters, or three for a
language without two), optionally followed by BCP 47 subtags (``zh-Hant``,
``en-GB``); a three-letter code that has a two-letter one is written with that
(``zho`` -> ``zh``), as BCP 47 asks.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter

import pycountry

from packager.errors import UnusableValue

HAN, KANA, HIRAGANA, HANGUL, ARABIC, HEBREW = "Han", "Kana", "Hiragana", "Hangul", "Arabic", "Hebrew"
#: Scripts by code-point range (start, end inclusive, script); letters elsewhere count as "Other".
_RANGES = sorted([
    (0x0041, 0x024F, "Latin"), (0x1E00, 0x1EFF, "Latin"), (0xFF21, 0xFF5A, "Latin"),
    (0x0370, 0x03FF, "Greek"), (0x1F00, 0x1FFF, "Greek"), (0x0400, 0x052F, "Cyrillic"),
    (0x0530, 0x058F, "Armenian"), (0x0590, 0x05FF, HEBREW), (0xFB1D, 0xFB4F, HEBREW),
    (0x0600, 0x06FF, ARABIC), (0x0750, 0x077F, ARABIC), (0x08A0, 0x08FF, ARABIC),
    (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"), (0x0A00, 0x0A7F, "Gurmukhi"),
    (0x0A80, 0x0AFF, "Gujarati"), (0x0B00, 0x0B7F, "Oriya"), (0x0B80, 0x0BFF, "Tamil"),
    (0x0C00, 0x0C7F, "Telugu"), (0x0C80, 0x0CFF, "Kannada"), (0x0D00, 0x0D7F, "Malayalam"),
    (0x0D80, 0x0DFF, "Sinhala"), (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Lao"),
    (0x10A0, 0x10FF, "Georgian"), (0x1780, 0x17FF, "Khmer"),
    (0x1100, 0x11FF, HANGUL), (0x3130, 0x318F, HANGUL), (0xAC00, 0xD7AF, HANGUL),
    (0x3040, 0x309F, HIRAGANA), (0x30A0, 0x30FF, KANA), (0x31F0, 0x31FF, KANA), (0xFF66, 0xFF9F, KANA),
    (0x3005, 0x3007, HAN), (0x3400, 0x4DBF, HAN), (0x4E00, 0x9FFF, HAN), (0xF900, 0xFAFF, HAN),
    (0x20000, 0x323AF, HAN),
])
_STARTS = [start for start, _, _ in _RANGES]
#: Scripts one language owns in practice.
_OWNED = {"Greek": "el", HEBREW: "he", ARABIC: "ar", "Thai": "th", "Armenian": "hy", "Georgian": "ka",
          "Khmer": "km", "Lao": "lo", "Sinhala": "si", "Tamil": "ta", "Telugu": "te", "Kannada": "kn",
          "Malayalam": "ml", "Gujarati": "gu", "Gurmukhi": "pa", "Oriya": "or"}
#: The letters the Arabic language writes (hamza to yeh, dotless beh and qaf, alef wasla, tatweel).
_ARABIC_LETTERS = re.compile("[\u0621-\u064a\u066e\u066f\u0671\u0640]")
_YIDDISH = re.compile("[\u05f0-\u05f2]")
_CJK = (HAN, KANA, HIRAGANA, HANGUL)


def script_of(char: str) -> str:
    """The script of one letter as this module counts it ("Other" when none of ours)."""
    point = ord(char)
    i = bisect.bisect_right(_STARTS, point) - 1
    if i >= 0 and _RANGES[i][0] <= point <= _RANGES[i][1]:
        return _RANGES[i][2]
    return "Other"


def letters_by_script(text: str) -> Counter[str]:
    """How many letters of each script ``text`` holds (after NFKC)."""
    return Counter(script_of(c) for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c)[0] == "L")


def detect(text: str) -> tuple[str, ...]:
    """The languages ``text``'s letters name, most likely first; () when they name none surely."""
    counts = letters_by_script(text)
    total = sum(counts.values())
    cjk = sum(counts[s] for s in _CJK)
    if cjk * 2 > total and cjk >= 2:
        return _cjk_language(counts, cjk)
    script, count = max(((s, n) for s, n in counts.items() if s not in _CJK), key=lambda sn: sn[1],
                        default=("", 0))
    if count * 2 <= total or count < 2 or script not in _OWNED:
        return ()
    normal = unicodedata.normalize("NFKC", text)
    if script == ARABIC and any(script_of(c) == ARABIC and unicodedata.category(c)[0] == "L"
                                and not _ARABIC_LETTERS.match(c) for c in normal):
        return ()  # Persian, Urdu, Kurdish, Uyghur... write letters Arabic does not
    if script == HEBREW and _YIDDISH.search(normal):
        return ()
    return (_OWNED[script],)


def _cjk_language(counts: Counter[str], cjk: int) -> tuple[str, ...]:
    kana = counts[KANA] + counts[HIRAGANA]
    if counts[HANGUL] * 2 > cjk:
        return ("ko",)
    if counts[HANGUL]:
        return ()
    if counts[HIRAGANA] or kana * 5 >= cjk:
        return ("ja",)
    if kana:
        return ()
    return ("zh", "ja")


def caption_language(text: str, collection: str) -> str:
    """The language of a caption: the one its letters name, else ``collection``'s.

    When the collection's language is one of those the letters allow, the
    collection's tag is kept (it may be more precise: ``zh-Hant``, or ``ja``
    for a caption all in kanji).
    """
    found = detect(text)
    if not found:
        return collection
    primary = collection.split("-", 1)[0].strip().lower()
    return collection if primary in found else found[0]


_SUBTAG = re.compile(r"^[A-Za-z0-9]{1,8}$")


def checked_code(value: str) -> str:
    """``value`` as a language tag whose first part is a known ISO 639 code; UnusableValue if not."""
    parts = value.strip().replace("_", "-").split("-")
    primary = parts[0].lower()
    language = _iso639(primary) if re.fullmatch(r"[a-z]{2,3}", primary) else None
    if language is None:
        raise UnusableValue(f"{value.strip()!r} is not an ISO 639 language code; write a code such as en, zh, "
                            "ar or yue (ISO 639-1, or 639-3 for a language without a two-letter code), "
                            "optionally with a script or region (zh-Hant, en-GB)")
    bad = [p for p in parts[1:] if not _SUBTAG.match(p)]
    if bad:
        raise UnusableValue(f"{value.strip()!r}: {bad[0]!r} is not a language tag subtag (1 to 8 letters or "
                            "digits, joined by '-': zh-Hant, en-GB)")
    code = getattr(language, "alpha_2", "") or getattr(language, "alpha_3", primary)
    return "-".join([code] + [_subtag_case(p) for p in parts[1:]])


def _iso639(code: str) -> object | None:
    keys = ("alpha_2",) if len(code) == 2 else ("alpha_3", "bibliographic")
    for key in keys:
        try:
            found = pycountry.languages.get(**{key: code})
        except (KeyError, LookupError):
            found = None
        if found is not None:
            return found
    return None


def _subtag_case(part: str) -> str:
    """BCP 47's conventional case: scripts Title (Hant), regions upper (GB), others lower."""
    if len(part) == 4 and part.isalpha():
        return part.title()
    if len(part) == 2 and part.isalpha():
        return part.upper()
    return part.lower()
