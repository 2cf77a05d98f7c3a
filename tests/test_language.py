"""dc.language is the caption's own: the archivist's CSV column, else the caption's script, else the collection's."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from PIL import Image

from packager.analysis import language
from packager.analysis.record import analyse
from packager.errors import UnusableValue
from packager.metadata import crosswalk
from packager.model import ANALYSIS, ARCHIVIST, COLLECTION, CollectionInfo, Item

from .conftest import run_cli

INFO = CollectionInfo(identifier="c", title="Cameras", language="en", rights="Test data")
CHINESE = "2017年10月，北京一个地铁站内的人脸识别摄像头。"
ARABIC = "كاميرات مراقبة فوق شارع مزدحم في دبي."
MIXED = "A police officer at 天安门 (Tiananmen) Square in 北京 wears smart glasses that recognise faces."
JAPANESE = "東京の駅に設置された監視カメラ。"
KOREAN = "서울 지하철역의 감시 카메라."
PERSIAN = "دوربین‌های مداربسته در یک خیابان شلوغ در تهران."


def item(caption: str, overrides: dict[str, str] | None = None, line: int = 2) -> Item:
    return Item(identifier=f"c-{line:03d}", file=f"{line}.jpg", image=None, caption=caption, source="captions.csv",
                line=line, overrides=overrides or {})


@pytest.mark.parametrize("caption, expected", [
    (CHINESE, "zh"), (ARABIC, "ar"), (JAPANESE, "ja"), (KOREAN, "ko"),
    ("Αστυνομικός στην Αθήνα.", "el"), ("שוטר ליד מצלמה בירושלים.", "he"), ("ตำรวจในกรุงเทพมหานคร", "th"),
    (MIXED, "en"),  # English with a few Chinese place names stays the collection's
    ("Полицейский у камеры в Москве.", "en"),  # Cyrillic: Russian, Ukrainian, Kazakh...: left to the collection
    (PERSIAN, "en"),  # Arabic script with letters Arabic does not write: Persian or Urdu, not guessed
    ("पुलिस दिल्ली में", "en"),  # Devanagari: Hindi, Marathi, Nepali...
    ("Un policier à Paris.", "en"),  # never a Latin-script language
    ("", "en"),
    ("北京", "zh"),  # two letters are enough when they are all there is
    ("A 北", "en"),
])
def test_the_caption_language_is_decided_only_when_its_letters_leave_no_doubt(caption: str, expected: str) -> None:
    assert language.caption_language(caption, "en") == expected


def test_the_collection_tag_is_kept_when_the_script_allows_it() -> None:
    assert language.caption_language(CHINESE, "zh-Hant") == "zh-Hant"  # more precise than "zh"
    assert language.caption_language("東京都庁舎", "ja") == "ja"  # all kanji: Japanese too
    assert language.caption_language("東京都庁舎", "en") == "zh"
    assert language.detect("東京都庁舎") == ("zh", "ja")
    assert language.detect("ソニーの新しいカメラ") == ("ja",)  # katakana and hiragana
    assert language.detect("北京市海淀区中关村大街的一台摄像头，品牌为ソ") == ()  # a stray kana: undecided
    assert language.detect("ﻛﺎﻣﻴﺮﺍ ﻣﺮﺍﻗﺒﺔ") == ("ar",)  # presentation forms count as their letters


def test_analyse_records_the_language_and_where_it_came_from() -> None:
    chinese, _ = analyse(item(CHINESE), INFO)
    arabic, _ = analyse(item(ARABIC), INFO)
    mixed, _ = analyse(item(MIXED), INFO)
    assert (chinese.language, chinese.origin("language")) == ("zh", ANALYSIS)
    assert (arabic.language, arabic.origin("language")) == ("ar", ANALYSIS)
    assert (mixed.language, mixed.origin("language")) == ("en", COLLECTION)
    assert chinese.to_dict()["provenance"]["language"] == ANALYSIS
    # the record's language is what XMP and Dublin Core say
    tags, _ = crosswalk.to_tags(chinese)
    assert tags["XMP-dc:Language"] == "zh"
    assert ("dc.language", "zh") in crosswalk.to_dc(chinese) and ("dc.language", "en") in crosswalk.to_dc(mixed)


def test_a_language_column_wins_and_a_bad_code_is_refused_with_its_line() -> None:
    given, found = analyse(item(MIXED, {"language": "zho"}), INFO)
    assert (given.language, given.origin("language"), found) == ("zh", ARCHIVIST, [])
    tagged, _ = analyse(item(ARABIC, {"language": "ar_eg"}), INFO)
    assert (tagged.language, tagged.origin("language")) == ("ar-EG", ARCHIVIST)
    bad, found = analyse(item(CHINESE, {"language": "Mandarin"}, line=7), INFO)
    assert bad.language == "zh" and bad.origin("language") == ANALYSIS  # the analysed value is kept
    (issue,) = found
    assert (issue.code, issue.path, issue.line, issue.field) == ("E310", "captions.csv", 7, "language")
    assert "'Mandarin' is not an ISO 639 language code" in issue.message


@pytest.mark.parametrize("value, expected", [
    ("en", "en"), ("EN", "en"), ("eng", "en"), ("chi", "zh"), ("zh-hant", "zh-Hant"), ("en_gb", "en-GB"),
    ("yue", "yue"), ("es-419", "es-419"), (" ar ", "ar"),
])
def test_language_codes_are_checked_with_pycountry_and_written_as_bcp47(value: str, expected: str) -> None:
    assert language.checked_code(value) == expected


@pytest.mark.parametrize("value, reason", [
    ("english", "not an ISO 639 language code"), ("xx", "not an ISO 639 language code"),
    ("", "not an ISO 639 language code"), ("zh-", "is not a language tag subtag"),
    ("en-toolongsubtag", "is not a language tag subtag"),
])
def test_unusable_language_codes(value: str, reason: str) -> None:
    with pytest.raises(UnusableValue, match=reason):
        language.checked_code(value)


def _collection(root: Path) -> Path:
    rng = random.Random(13)
    (root / "images").mkdir(parents=True)
    for name in ("a.jpg", "b.jpg", "c.jpg", "d.jpg"):
        Image.new("RGB", (32, 24), tuple(rng.randrange(256) for _ in range(3))).save(root / "images" / name)
    rows = [("a.jpg", CHINESE, ""), ("b.jpg", ARABIC, ""), ("c.jpg", MIXED, "fr"), ("d.jpg", MIXED, "klingon")]
    text = "filename,caption,language\n" + "".join(f'{f},"{c}",{lang}\n' for f, c, lang in rows)
    (root / "captions.csv").write_text(text, encoding="utf-8")
    (root / "collection.toml").write_text(
        '[collection]\nidentifier = "lang"\ntitle = "Languages"\nlanguage = "en"\nrights = "Test data"\n'
        '[source]\ncaptions = "captions.csv"\nimages = "images"\n', encoding="utf-8")
    return root


def test_extract_reads_the_language_column_of_a_caption_csv(tmp_path: Path) -> None:
    result = run_cli("extract", _collection(tmp_path / "c"), "--json")
    doc = json.loads(result.stdout)
    items = {i["file"]: i for i in doc["items"]}
    assert {f: (i["language"], i["provenance"]["language"]) for f, i in items.items()} == {
        "a.jpg": ("zh", ANALYSIS), "b.jpg": ("ar", ANALYSIS), "c.jpg": ("fr", ARCHIVIST), "d.jpg": ("en", COLLECTION)}
    (refused,) = [i for i in items["d.jpg"]["issues"] if i["code"] == "E310"]
    assert refused["path"].endswith("captions.csv") and refused["line"] == 5 and refused["field"] == "language"
    assert "'klingon'" in refused["message"]
