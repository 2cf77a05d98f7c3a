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


def test_missing_and_unparsable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        config.load(tmp_path)
    assert err.value.issues[0].code == "E001"
    with pytest.raises(ConfigError) as err:
        config.load(write(tmp_path, "[collection\n"))
    assert err.value.issues[0].code == "E002"
    assert "line 1" in err.value.message
