"""The crosswalk: data-driven mapping, IIM clipping at character boundaries, read-back."""

from __future__ import annotations

from pathlib import Path

from packager import crosswalk
from packager.model import Location, Record

ROOT = Path(__file__).resolve().parent.parent


def record(**kw: object) -> Record:
    base = dict(identifier="x-001", file="x 001.jpg", description="A caption. More text",
                headline="A caption.", title="A title", keywords=("police", "surveillance"),
                locations=(Location(sublocation="Houhai Lake", city="Beijing", province_state="Beijing",
                                    country="China", country_code="CHN",
                                    identifiers=("http://sws.geonames.org/1816670/",)),),
                digital_source_type="http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                rights="In copyright", language="en")
    base.update(kw)
    return Record(**base)  # type: ignore[arg-type]


def test_docs_table_matches_the_crosswalk_file() -> None:
    assert (ROOT / "docs" / "crosswalk.md").read_text(encoding="utf-8") == crosswalk.render_markdown()


def test_every_mapped_field_is_a_record_field() -> None:
    fields = set(Record.__dataclass_fields__) | set(Location.__dataclass_fields__)
    for m in crosswalk.load().mappings:
        assert m.field in fields, m.field
        if m.iim:
            assert m.iim.startswith("IPTC:") and m.iim_bytes
        assert not m.dc or m.dc.split(".")[0] in ("dc", "dcterms")


def test_iim_limits_match_the_iim_specification() -> None:
    limits = {m.iim: m.iim_bytes for m in crosswalk.load().mappings if m.iim}
    assert limits == {"IPTC:ObjectName": 64, "IPTC:Headline": 256, "IPTC:Caption-Abstract": 2000,
                      "IPTC:Keywords": 64, "IPTC:By-line": 32, "IPTC:CopyrightNotice": 128,
                      "IPTC:Credit": 32, "IPTC:Source": 32, "IPTC:Sub-location": 32, "IPTC:City": 32,
                      "IPTC:Province-State": 32, "IPTC:Country-PrimaryLocationName": 64,
                      "IPTC:Country-PrimaryLocationCode": 3}


def test_clip_utf8_never_cuts_a_character() -> None:
    assert crosswalk.clip_utf8("abc", 3) == "abc"
    assert crosswalk.clip_utf8("北京市", 8) == "北京"  # 3 bytes each: 9 > 8, keep 6
    assert crosswalk.clip_utf8("a😀b", 4) == "a"  # emoji is 4 bytes
    assert crosswalk.clip_utf8("é" * 40, 32) == "é" * 16


def test_tags_full_in_xmp_clipped_in_iim_with_warning() -> None:
    long_title = "监控" * 20  # 120 bytes
    tags, found = crosswalk.to_tags(record(title=long_title))
    assert tags["XMP-dc:Title"] == long_title
    assert tags["IPTC:ObjectName"] == "监控" * 10 + "监"  # 63 bytes, the next char would make 66
    assert [(i.code, i.field) for i in found] == [("W301", "title")]
    assert "120 to 64 bytes" in found[0].message
    assert tags["XMP-dc:Description"] == tags["IPTC:Caption-Abstract"] == tags["IFD0:ImageDescription"]
    assert tags["XMP-dc:Subject"] == ["police", "surveillance"]
    assert tags["IPTC:Keywords"] == ["police", "surveillance"]
    assert tags["XMP-photoshop:City"] == tags["IPTC:City"] == "Beijing"
    assert tags["IPTC:Country-PrimaryLocationCode"] == "CHN"
    assert tags["XMP-iptcExt:LocationShown"] == [{
        "Sublocation": "Houhai Lake", "City": "Beijing", "ProvinceState": "Beijing", "CountryName": "China",
        "CountryCode": "CHN", "LocationId": ["http://sws.geonames.org/1816670/"]}]
    assert "XMP-dc:Creator" not in tags and "IFD0:Artist" not in tags  # unknown stays unknown


def test_without_iim_no_iptc_tags_and_no_clipping_warnings() -> None:
    tags, found = crosswalk.to_tags(record(title="监控" * 40), iim=False)
    assert not [k for k in tags if k.startswith("IPTC:")]
    assert found == []


def test_dc_pairs_and_read_back_agree() -> None:
    rec = record(organisations=("Megvii",), creator=("Jane Doe",), events=("19th Party Congress",))
    pairs = crosswalk.to_dc(rec)
    assert ("dc.description", "A caption. More text") in pairs
    assert ("dc.coverage", "Houhai Lake, Beijing, China") in pairs
    assert ("dc.format", "image/jpeg") in pairs
    assert [v for k, v in pairs if k == "dc.subject"] == ["police", "surveillance", "Megvii", "19th Party Congress"]
    tags, _ = crosswalk.to_tags(rec)
    checked = crosswalk.embedded_dc_elements()
    assert sorted(crosswalk.tags_to_dc(tags)) == sorted(p for p in pairs if p[0] in checked)


def test_iim_expectations_follow_xmp() -> None:
    tags, _ = crosswalk.to_tags(record(headline="x" * 300))
    expected = {m.iim: v for m, v in crosswalk.iim_expectations(tags)}
    assert expected["IPTC:Headline"] == ["x" * 256]
    assert expected["IPTC:Keywords"] == ["police", "surveillance"]
