"""Place names written in Chinese or Japanese characters ("北京", "東京", "中国").

Chinese and Japanese put no spaces between words, so the word index of
:mod:`.geo` never sees "摄于北京" as containing "北京". This index matches
names as substrings of each run of CJK characters, the longest name first at
each position, leftmost first, without overlaps.

Guards, because a short CJK name is often a word too:

* never a 1-character name ("京" is a character of many words);
* a name right before a character that makes it a longer noun is not the
  place: "北京人" (a Beijinger), "中山路" (a street named after a person),
  "北京大学" (an organisation) - the same reasons the Latin-script guards
  refuse a name inside a longer capitalised name;
* the data side chooses which names enter (cities above a population, see
  :data:`.geo.CJK_MIN_POPULATION`; countries and provinces by their ISO
  translations).
"""

from __future__ import annotations

import re

CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]+")
MIN_CHARS = 2
# what turns a place name into a longer noun that is not the place: people, streets, organisations
_LONGER_NOUN = ("人", "路", "街", "巷", "道路", "大道", "大学", "大學", "公司", "集团", "集團", "银行", "銀行",
                "中学", "中學", "小学", "小學", "队", "隊", "航空", "移动", "電信", "电信", "料理", "菜")


def is_cjk(name: str) -> bool:
    return CJK_RUN.fullmatch(name) is not None


class CjkIndex:
    """CJK names -> what they name (any value type); found in text as substrings, longest first."""

    def __init__(self) -> None:
        self._refs: dict[str, list] = {}
        self._longest = 0

    def add(self, name: str, ref: object) -> None:
        if len(name) < MIN_CHARS or not is_cjk(name):
            return
        refs = self._refs.setdefault(name, [])
        if ref not in refs:
            refs.append(ref)
        self._longest = max(self._longest, len(name))

    def get(self, name: str) -> tuple:
        return tuple(self._refs.get(name, ()))

    def __len__(self) -> int:
        return len(self._refs)

    def scan(self, text: str) -> list[tuple[int, int, tuple]]:
        """(start, end, refs) of every leftmost-longest name inside the CJK runs of ``text``."""
        found = []
        for run in CJK_RUN.finditer(text):
            i = run.start()
            while i < run.end():
                for n in range(min(self._longest, run.end() - i), MIN_CHARS - 1, -1):
                    refs = self._refs.get(text[i:i + n])
                    if refs:
                        if not text.startswith(_LONGER_NOUN, i + n):
                            found.append((i, i + n, tuple(refs)))
                        i += n
                        break
                else:
                    i += 1
        return found
