"""The collection description: required fields, clear errors naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from packager.collection import config
from packager.errors import EXIT_ENVIRONMENT, ConfigError

GOOD = """
[collection]
identifier = "demo-1"
title = "Demo"
creator = "A. Person"
language = "en"
[source]
captions = "captions.txt"
images = "images"
pattern = "img-{n:02d}.jpg"
[bag-info]
Source-Organization = "Somewhere"
Contact-Email = ["a@example.org", "b@example.org"]
External-Description = "Two lines"
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "collection.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_good_description_loads_with_order_and_repeats(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, GOOD))
    assert cfg.info.identifier == "demo-1"
    assert cfg.info.creator == ("A. Person",)
    assert cfg.captions == tmp_path.resolve() / "captions.txt"
    assert cfg.images == tmp_path.resolve() / "images"
    assert cfg.pattern == "img-{n:02d}.jpg"
    assert cfg.bag_info == (("Source-Organization", "Somewhere"), ("Contact-Email", "a@example.org"),
                            ("Contact-Email", "b@example.org"), ("External-Description", "Two lines"))
    assert cfg.info.digital_source_type.endswith("/digitalCapture")


def test_file_path_is_accepted_as_well_as_folder(tmp_path: Path) -> None:
    assert config.load(write(tmp_path, GOOD) / "collection.toml").info.title == "Demo"


@pytest.mark.parametrize("text, words", [
    (GOOD.replace('identifier = "demo-1"', 'identifier = "demo 1/x"'), "identifier names the bag folder"),
    (GOOD.replace('title = "Demo"\n', ""), "title is required"),
    (GOOD.replace('images = "images"\n', ""), "[source] images is required"),
    (GOOD.replace('pattern = "img-{n:02d}.jpg"', 'pattern = "img.jpg"'), "must contain {n}"),
    (GOOD.replace('language = "en"', 'colour = "blue"'), "unknown key 'colour'"),
    (GOOD + 'Payload-Oxum = "1.1"\n', "Payload-Oxum is computed"),
    (GOOD + 'bag-software-agent = "x"\n', "bag-software-agent is computed"),
    (GOOD.replace('[collection]', '[collection]\ndigital_source_type = "https://x/y"'), "full IPTC URI"),
])
def test_bad_description_names_the_field(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        config.load(write(tmp_path, text))
    assert words in err.value.message
    assert str(tmp_path / "collection.toml") in err.value.message
    assert err.value.exit_code == EXIT_ENVIRONMENT
    assert err.value.issues[0].code == "E003"


@pytest.mark.parametrize("text, words", [
    # a misspelt table or key was ignored without a word (exit 0); each is now named, with the nearest known one
    (GOOD.replace("[bag-info]", "[bag_info]"), "unknown table [bag_info] (did you mean [bag-info]?)"),
    (GOOD.replace("[collection]", "[colection]"), "unknown table [colection] (did you mean [collection]?)"),
    (GOOD + '[Defaults]\ncountry = "China"\n', "unknown table [Defaults] (did you mean [defaults]?)"),
    (GOOD + "[extra]\na = 1\n", "unknown table [extra]. The tables are [collection], [source], [defaults], "
                               "[bag-info]"),
    ('zzz = 1\n' + GOOD, "unknown key 'zzz' outside any table."),
    ('title = "x"\n' + GOOD, "title is outside any table: put it under [collection]"),
    ('captions = "c.txt"\n' + GOOD, "captions is outside any table: put it under [source]"),
    (GOOD.replace("pattern =", 'reveiw = "r.csv"\npattern ='),
     "[source] has an unknown key 'reveiw' (did you mean review?). Known keys: captions, images, pattern, review"),
    (GOOD.replace('language = "en"', 'langauge = "en"'),
     "[collection] has an unknown key 'langauge' (did you mean language?)"),
    (GOOD.replace('language = "en"', 'Creator = "X"'), "[collection] has an unknown key 'Creator' (did you mean creator?)"),
    (GOOD.replace('language = "en"', 'colour = "blue"'), "[collection] has an unknown key 'colour'. Known keys: "),
    (GOOD + '[defaults]\ncountri = "China"\n', "[defaults] has an unknown key 'countri' (did you mean country?)"),
    (GOOD + '[defaults]\nprovince-state = "Zhejiang"\n',
     "[defaults] has an unknown key 'province-state' (did you mean province_state?)"),
])
def test_unknown_tables_and_keys_are_errors_with_the_nearest_known_name(tmp_path: Path, text: str,
                                                                          words: str) -> None:
    with pytest.raises(ConfigError) as err:
        config.load(write(tmp_path, text))
    assert words in err.value.message
    assert err.value.exit_code == EXIT_ENVIRONMENT and err.value.issues[0].code == "E003"


def test_every_known_table_and_key_loads(tmp_path: Path) -> None:
    text = GOOD.replace('pattern = "img-{n:02d}.jpg"', 'pattern = "img-{n:02d}.jpg"\nreview = "sheet.csv"')
    text += '[defaults]\ncity = "Hangzhou"\nprovince_state = "Zhejiang"\ncountry = "China"\n'
    text += 'country_code = "CHN"\nkeywords = ["surveillance"]\n'
    cfg = config.load(write(tmp_path, text))
    assert cfg.review == tmp_path.resolve() / "sheet.csv"
    assert cfg.info.default_location.city == "Hangzhou" and cfg.info.default_keywords == ("surveillance",)


def test_missing_and_unparsable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        config.load(tmp_path)
    assert err.value.issues[0].code == "E001"
    with pytest.raises(ConfigError) as err:
        config.load(write(tmp_path, "[collection\n"))
    assert err.value.issues[0].code == "E002"
    assert "line 1" in err.value.message
