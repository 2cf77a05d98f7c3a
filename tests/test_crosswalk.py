"""The crosswalk: data-driven mapping, IIM clipping at character boundaries, read-back."""

from __future__ import annotations

from pathlib import Path

from packager.embed import reconcile
from packager.metadata import crosswalk
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


def test_complete_keeps_the_images_own_values_by_mwg_precedence() -> None:
    rec = record(keywords=(), rights="", locations=())
    tags, _ = crosswalk.to_tags(rec)
    existing = {"IFD0:Artist": "Exif One; Exif Two", "XMP-dc:Creator": ["Xmp"], "IPTC:By-line": ["Iim"],
                "XMP-dc:Rights": "xmp rights", "IPTC:CopyrightNotice": "iim rights",
                "IPTC:Keywords": ["long " + "k" * 59], "XMP-dc:Subject": ["long " + "k" * 70],
                "XMP-photoshop:Credit": "xmp credit", "IPTC:Credit": "iim credit",
                "XMP-dc:Title": "their title", "File:CurrentIPTCDigest": "a" * 32}
    done, out, gone, found = reconcile.complete(rec, tags, existing, iim=True)
    assert done.creator == ("Exif One", "Exif Two")  # EXIF, if not blank, wins
    assert out["XMP-dc:Creator"] == out["IPTC:By-line"] == ["Exif One", "Exif Two"]
    assert out["IFD0:Artist"] == "Exif One; Exif Two"
    assert done.rights == out["IPTC:CopyrightNotice"] == out["IFD0:Copyright"] == "xmp rights"  # no digest: XMP
    assert done.keywords == ("long " + "k" * 70,)  # the IIM was the XMP clipped: the full value
    assert out["IPTC:Keywords"] == ["long " + "k" * 59]
    assert done.title == "A title" and out["XMP-dc:Title"] == "A title"  # the record's own value stays
    assert gone == [] and done.locations == ()
    assert [i.code for i in found if i.code == "I312"] == ["I312"] * 4
    w313 = sorted(i.message.split(": ", 1)[1].split(" ", 1)[0] for i in found if i.code == "W313")
    assert w313 == ["IPTC:By-line", "IPTC:CopyrightNotice", "IPTC:Credit", "XMP-dc:Creator"]
    assert crosswalk.to_dc(done).count(("dc.creator", "Exif Two")) == 1
    stale = {**existing, "Photoshop:IPTCDigest": "b" * 32}  # IIM changed after the XMP: IIM wins
    done, out, _, _ = reconcile.complete(rec, tags, stale, iim=True)
    assert done.rights == out["XMP-dc:Rights"] == "iim rights" and done.credit == "iim credit"


def test_complete_own_location_replaces_the_images_location_as_a_whole() -> None:
    rec = record(locations=(Location(country="China", country_code="CN"),))
    tags, _ = crosswalk.to_tags(rec)
    existing = {"XMP-photoshop:City": "Old City", "IPTC:City": "Old City", "XMP-iptcCore:Location": "Old",
                "IPTC:Country-PrimaryLocationCode": "FRA", "XMP-photoshop:Country": "France",
                "XMP-iptcExt:LocationShown": [{"City": "Old City"}]}
    done, out, gone, found = reconcile.complete(rec, tags, existing, iim=True)
    assert sorted(gone) == ["IPTC:City", "IPTC:Country-PrimaryLocationCode", "XMP-iptcCore:Location",
                            "XMP-photoshop:City"]
    assert out["XMP-photoshop:Country"] == "China" and done.locations == rec.locations
    assert [i.code for i in found] == ["W313"] * 4 and "'Old City' removed" in found[1].message
    done, out, gone, _ = reconcile.complete(record(locations=()), {}, existing, iim=False)
    assert gone == [] and not [t for t in out if t.startswith("IPTC:")]
    assert done.locations == (Location(city="Old City"),) and "XMP-iptcExt:LocationShown" not in out
    assert out["XMP-photoshop:City"] == "Old City" and ("dc.coverage", "Old City") in crosswalk.to_dc(done)


def test_complete_keeps_finer_parts_of_the_same_place() -> None:
    rec = record(locations=(Location(country="China", country_code="CHN"),))
    tags, _ = crosswalk.to_tags(rec)
    existing = {"XMP-photoshop:City": "Beijing", "IPTC:City": "Beijing", "XMP-photoshop:Country": "china",
                "IPTC:Country-PrimaryLocationCode": "CHN"}
    done, out, gone, found = reconcile.complete(rec, tags, existing, iim=True)
    assert gone == [] and out["XMP-photoshop:City"] == out["IPTC:City"] == "Beijing"
    assert out["XMP-photoshop:Country"] == "China" and done.locations == rec.locations
    assert [i.code for i in found] == ["I312"] and "'Beijing'" in found[0].message


def test_an_images_own_value_that_the_record_replaces_is_reported_with_its_old_text() -> None:
    rec = record()
    tags, _ = crosswalk.to_tags(rec)
    existing = {"XMP-dc:Description": "The photographer's own caption", "IFD0:ImageDescription": "OLYMPUS DIGITAL CAMERA"}
    _, out, _, found = reconcile.complete(rec, tags, existing, iim=True)
    assert out["XMP-dc:Description"] == rec.description
    w314 = [i for i in found if i.code == "W314"]
    assert len(w314) == 2
    assert "The photographer's own caption" in w314[0].message and "OLYMPUS DIGITAL CAMERA" in w314[1].message


def test_crosswalk_limits_agree_with_the_embedders_safety_net() -> None:
    """tagvalues clips every IIM dataset (also ones the crosswalk does not map); the two tables must agree."""
    from packager.metadata.tagvalues import IIM_LIMITS

    for m in crosswalk.load().mappings:
        if m.iim:
            assert IIM_LIMITS[m.iim.split(":", 1)[1]] == m.iim_bytes, m.iim
