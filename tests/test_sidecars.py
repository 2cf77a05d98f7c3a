"""Sidecar formats: Dublin Core XML (oai_dc, and the older form still read) + XSD, Archivematica metadata.csv,
originals checksums."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from lxml import etree

from packager import schemas
from packager.errors import UnencodableTextError
from packager.metadata import dc
from packager.metadata.csvfile import metadata_csv_bytes, read_metadata_csv
from packager.metadata.dc import dc_record_bytes, parse_dc_record, validate_dc_record
from packager.metadata.originals import originals_manifest_bytes, read_originals_manifest


def parse_metadata_csv(data: bytes) -> list[tuple[str, list[tuple[str, str]]]]:
    """The rows the one metadata.csv reader found, as (filename, pairs); none may be damaged."""
    reading = read_metadata_csv(data)
    assert reading.usable and reading.problems == []
    return [(row.filename, row.pairs) for row in reading.rows]


def parse_originals_manifest(data: bytes) -> tuple[list[tuple[str, dict[str, str]]], list[str]]:
    """The entries of originals.txt, and its problems as text ("line N: ...")."""
    entries, problems = read_originals_manifest(data)
    return entries, [str(p) for p in problems]

DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
TRICKY = [
    ("dc.identifier", "surv-001"),
    ("dc.title", "北京的监控 — “Surveillance” in Beijing"),
    ("dcterms.abstract", "Emoji 📷🎥 and 'quotes' and \"double quotes\""),
    ("dc.description", "Tom & Jerry <b>not bold</b> ]]> a > b; x&amp;y stays literal"),
    ("dc.subject", "Megvii"),
    ("dc.subject", "Face++"),
    ("dc.subject", "Megvii"),  # repeats are kept, even identical ones
    ("dc.coverage", "Kashgar, Xinjiang"),
    ("dcterms.isPartOf", "Surveillance in China: a photo essay"),
    ("dc.description", "  leading and trailing spaces, tab\tand\nnew line and CR\r\nkept  "),
    ("dc.rights", "\u00a0non-breaking space, U+2028\u2028line separator"),
]


def _oai(body: str, root: str = f'<oai_dc:dc xmlns:oai_dc="{OAI_DC}"', end: str = "</oai_dc:dc>") -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{root} xmlns:dc="{DC}">\n{body}\n{end}\n'.encode()


def _legacy(body: str) -> bytes:
    """A record in the older form (urn:packager:dc-record:1), as bags written before oai_dc hold."""
    head = f'<record xmlns="urn:packager:dc-record:1" xmlns:dc="{DC}" xmlns:dcterms="{DCTERMS}">'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{head}\n{body}\n</record>\n'.encode()


# --- Dublin Core XML --------------------------------------------------------

def test_record_round_trips_tricky_text() -> None:
    data = dc_record_bytes(TRICKY, "surv-001")
    # the abstract is not in any description, so it is one more; isPartOf is the collection: a relation
    assert parse_dc_record(data) == [(k.replace("dcterms.abstract", "dc.description")
                                      .replace("dcterms.isPartOf", "dc.relation"), v) for k, v in TRICKY]
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<oai_dc:dc ")
    assert "北京的监控".encode() in data and "📷".encode() in data  # literal UTF-8, not &#...;
    assert b"Tom &amp; Jerry &lt;b&gt;not bold&lt;/b&gt; ]]&gt;" in data
    assert b"x&amp;amp;y" in data
    assert b"CR&#13;\n" in data  # a bare CR survives XML's line-end normalisation
    assert validate_dc_record(data) == []


def test_record_layout_and_namespaces() -> None:
    data = dc_record_bytes([("dc.title", "T"), ("dcterms.spatial", "Beijing"), ("dc.type", "StillImage")], "x-1")
    root = etree.fromstring(data)
    assert root.tag == f"{{{OAI_DC}}}dc"
    assert root.nsmap == {"oai_dc": OAI_DC, "dc": DC, "xsi": XSI}
    assert root.attrib == {f"{{{XSI}}}schemaLocation": f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"}
    assert [child.tag for child in root] == [f"{{{DC}}}{n}" for n in ("identifier", "title", "coverage", "type")]
    assert [child.text for child in root] == ["x-1", "T", "Beijing", "StillImage"]
    assert DCTERMS.encode() not in data and b"urn:packager" not in data


def test_identifier_is_added_only_when_missing() -> None:
    pairs = [("dc.title", "T"), ("dc.identifier", "other")]
    assert parse_dc_record(dc_record_bytes(pairs, "x-1")) == [("dc.identifier", "x-1")] + pairs
    pairs = [("dc.title", "T"), ("dc.identifier", "x-1")]
    assert parse_dc_record(dc_record_bytes(pairs, "x-1")) == pairs
    with pytest.raises(ValueError, match="non-empty identifier"):
        dc_record_bytes(pairs, "")


def test_empty_values_are_not_written() -> None:
    data = dc_record_bytes([("dc.title", "T"), ("dc.publisher", ""), ("dc.creator", ""), ("dcterms.isPartOf", "")],
                           "x")
    assert parse_dc_record(data) == [("dc.identifier", "x"), ("dc.title", "T")]
    assert b"publisher" not in data and b"relation" not in data


@pytest.mark.parametrize("name", ["dc.abstract", "dcterms.nonsense", "dc.Title", "title", "xmp.title",
                                  "dc.title.main", "dcterms."])
def test_unknown_element_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="dc\\.|dcterms|element"):
        dc_record_bytes([(name, "v")], "x")


def test_every_term_is_written_as_its_element_or_left_out() -> None:
    dc_names = sorted(dc.known_terms("dc"))
    terms = sorted(dc.known_terms("dcterms"))
    assert len(dc_names) == 15 and len(terms) == 55
    same = set(terms) & set(dc_names)
    assert len(same) == 15  # dcterms.title ... refine their namesakes
    assert set(dc.REFINES.values()) <= set(dc_names)
    # every term is accounted for exactly once: a namesake, a refinement, or one oai_dc cannot say
    assert sorted([*same, *dc.REFINES, *dc.UNREFINED]) == terms
    pairs = [(f"dcterms.{n}", f"value of {n}") for n in terms]
    data = dc_record_bytes(pairs, "identifier")
    assert validate_dc_record(data) == []
    written = parse_dc_record(data)
    assert len(written) == 1 + 15 + len(dc.REFINES)
    assert ("dc.relation", "value of isPartOf") in written and ("dc.coverage", "value of spatial") in written
    assert ("dc.description", "value of abstract") in written and ("dc.rights", "value of license") in written
    assert not [v for _, v in written if v.removeprefix("value of ") in dc.UNREFINED]
    assert {k for k, _ in written} <= {f"dc.{n}" for n in dc_names}


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x0b", "\x0c", "\ufffe", "\uffff", "\ud800"])
def test_characters_xml_cannot_carry_raise_a_clear_error(char: str) -> None:
    with pytest.raises(UnencodableTextError) as info:
        dc_record_bytes([("dc.title", "ok"), ("dc.description", f"bell{char}here")], "x")
    message = str(info.value)
    assert f"U+{ord(char):04X}" in message and "value #2 (dc.description)" in message
    assert "character 5" in message
    assert isinstance(info.value, ValueError)
    assert dc.unencodable_chars(f"a{char}b{char}") == [(1, char), (3, char)]
    with pytest.raises(UnencodableTextError, match="value #1 \\(dcterms.audience\\)"):  # even a term left out
        dc_record_bytes([("dcterms.audience", f"x{char}")], "x")


def test_control_characters_in_the_identifier_are_refused_too() -> None:
    with pytest.raises(UnencodableTextError, match="identifier"):
        dc_record_bytes([], "bad\x01id")


def test_parse_refuses_what_is_not_a_record() -> None:
    with pytest.raises(ValueError, match="root element"):
        parse_dc_record(b'<other xmlns="urn:packager:dc-record:1"/>')
    with pytest.raises(ValueError, match="line 3: unexpected element"):
        parse_dc_record(_oai('<dc:identifier>x</dc:identifier><foo xmlns="urn:x">y</foo>'))
    with pytest.raises(ValueError, match="unexpected element"):  # oai_dc holds no dcterms
        parse_dc_record(_oai(f'<dc:identifier>x</dc:identifier><t:abstract xmlns:t="{DCTERMS}">a</t:abstract>'))
    with pytest.raises(ValueError, match="not well-formed"):
        parse_dc_record(b"<oai_dc:dc")


def test_comments_and_processing_instructions_inside_a_value_are_not_part_of_it() -> None:
    """Schema-valid XML: the validator must read it, not crash on it (it did)."""
    data = _oai("<dc:identifier>x</dc:identifier><dc:title>Foo<!-- note -->b<?pi x?>ar</dc:title>")
    assert validate_dc_record(data) == []
    assert parse_dc_record(data) == [("dc.identifier", "x"), ("dc.title", "Foobar")]
    with pytest.raises(ValueError, match="unexpected element"):  # a nested element still is refused
        parse_dc_record(_oai("<dc:identifier>x</dc:identifier><dc:title>a<dc:title>b</dc:title></dc:title>"))


# --- XSD --------------------------------------------------------------------

def _imports(name: str) -> list[str]:
    xs = "{http://www.w3.org/2001/XMLSchema}"
    return [i.get("schemaLocation") for i in etree.fromstring(schemas.read_bytes(name)).iter(f"{xs}import")]


def test_official_schemas_are_shipped_and_their_imports_served_from_the_package() -> None:
    assert _imports("dc/oai_dc.xsd") == ["http://dublincore.org/schemas/xmls/simpledc20021212.xsd"]
    assert _imports("dc/simpledc20021212.xsd") == ["http://www.w3.org/2001/03/xml.xsd"]
    assert _imports("dc/xml.xsd") == []
    for url, name in dc.SHIPPED_URLS.items():
        assert schemas.resource(name).is_file(), url
    served: list[str] = []

    class Recording(dc._ShippedSchemas):
        def resolve(self, system_url: str, public_id: str, context: object) -> object:
            served.append(system_url)
            return super().resolve(system_url, public_id, context)

    parser = dc._safe_parser()
    parser.resolvers.add(Recording())
    tree = etree.parse(io.BytesIO(schemas.read_bytes("dc/oai_dc.xsd")), parser, base_url="packager-schemas:///dc/")
    schema = etree.XMLSchema(tree)
    assert served == ["http://dublincore.org/schemas/xmls/simpledc20021212.xsd", "http://www.w3.org/2001/03/xml.xsd"]
    assert schema.validate(etree.fromstring(_oai('<dc:title xml:lang="zh-Hant">t</dc:title>')))
    assert dc._schema() is dc._schema()  # loaded once
    readme = schemas.resource("dc/README.md").read_text(encoding="utf-8")
    for name in ("oai_dc.xsd", "simpledc20021212.xsd", "xml.xsd", *dc.SHIPPED_URLS):
        assert name in readme


def test_schema_accepts_minimal_and_language_tagged_records() -> None:
    assert validate_dc_record(_oai("")) == []  # oai_dc.xsd asks for nothing; the validator asks for the identifier
    assert validate_dc_record(_oai("<dc:identifier>x</dc:identifier>")) == []
    assert validate_dc_record(_oai('<dc:title xml:lang="ar">عنوان</dc:title>\n<dc:identifier>x</dc:identifier>'
                                   "<dc:identifier>y</dc:identifier><dc:title></dc:title>")) == []


@pytest.mark.parametrize("body, expected", [
    ("<dc:identifier>x</dc:identifier>\n<dc:subjekt>s</dc:subjekt>",
     "line 4: Element 'dc:subjekt': This element is not expected"),
    (f'<dc:identifier>x</dc:identifier><t:abstract xmlns:t="{DCTERMS}">s</t:abstract>',
     "Element 'dcterms:abstract': This element is not expected"),
    ('<dc:identifier>x</dc:identifier><title xmlns="http://purl.org/dc/elements/1.0/">t</title>',
     "Element '{http://purl.org/dc/elements/1.0/}title': This element is not expected"),
    ("stray text<dc:identifier>x</dc:identifier>",
     "Character content other than whitespace is not allowed"),
    ('<dc:identifier>x</dc:identifier><dc:title lang="en">t</dc:title>',
     "Element 'dc:title', attribute 'lang': The attribute 'lang' is not allowed"),
    ('<dc:identifier>x</dc:identifier><dc:title xml:lang="not a tag">t</dc:title>',
     "attribute '{http://www.w3.org/XML/1998/namespace}lang'"),
    ("<dc:identifier>x<dc:title>t</dc:title></dc:identifier>",
     "Element 'dc:identifier': Element content is not allowed"),
])
def test_schema_rejects_broken_records_with_a_useful_message(body: str, expected: str) -> None:
    messages = validate_dc_record(_oai(body))
    assert messages, "the record should be invalid"
    assert any(expected in m for m in messages), messages
    assert all(m.startswith("line ") for m in messages)


@pytest.mark.parametrize("root, end, shown", [
    ('<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/1.1/oai_dc/"', "</oai_dc:dc>",
     "{http://www.openarchives.org/OAI/1.1/oai_dc/}dc"),
    ("<dc", "</dc>", "dc"),  # no namespace
    ("<dc:dc", "</dc:dc>", "dc:dc"),
    ('<record xmlns="urn:packager:dc-record:2"', "</record>", "{urn:packager:dc-record:2}record"),
])
def test_schema_rejects_a_root_in_the_wrong_namespace(root: str, end: str, shown: str) -> None:
    reading = dc.read_dc_record(_oai("<dc:identifier>x</dc:identifier>", root=root, end=end))
    assert (reading.form, reading.schema, reading.pairs) == ("", "packager/schemas/dc/oai_dc.xsd", None)
    assert reading.errors == [
        f"line 2: Element '{shown}': No matching global declaration available for the validation root."]


def test_schema_validation_refuses_doctype_and_malformed_xml() -> None:
    xxe = (b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
           b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier>&x;</dc:identifier></oai_dc:dc>')
    assert validate_dc_record(xxe) == ["line 2: a DOCTYPE declaration is not allowed in a Dublin Core record"]
    with pytest.raises(ValueError, match="DOCTYPE"):
        parse_dc_record(xxe)
    (message,) = validate_dc_record(f'<oai_dc:dc xmlns:oai_dc="{OAI_DC}">\n<unclosed>\n</oai_dc:dc>'.encode())
    assert message.startswith("line 3: not well-formed XML:")


# --- the older form, still read -----------------------------------------------

def test_older_records_are_read_and_validated_against_their_own_schema() -> None:
    body = ("<dc:identifier>x</dc:identifier><dc:title>T</dc:title><dcterms:abstract>A</dcterms:abstract>"
            "<dc:type>http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture</dc:type>")
    reading = dc.read_dc_record(_legacy(body))
    assert (reading.form, reading.schema, reading.errors) == (dc.LEGACY, "packager/schemas/dc/record.xsd", [])
    assert reading.pairs == [("dc.identifier", "x"), ("dc.title", "T"), ("dcterms.abstract", "A"),
                             ("dc.type", "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture")]
    assert parse_dc_record(_legacy(body)) == reading.pairs
    missing = validate_dc_record(_legacy("<dc:title>t</dc:title>"))
    assert missing[0] == "line 2: the record has no dc:identifier element; every record needs one"
    assert missing[1].startswith("line 2: Element 'rec:record': Missing child element(s).")
    (message,) = validate_dc_record(_legacy("<dc:identifier>x</dc:identifier><dcterms:abstrakt>s</dcterms:abstrakt>"))
    assert "Element 'dcterms:abstrakt': This element is not expected" in message
    assert dc.read_dc_record(_legacy("<dc:identifier>x</dc:identifier>")).pairs == [("dc.identifier", "x")]


# --- metadata.csv -----------------------------------------------------------

ROWS = [
    ("data/objects/Surv - 001.jpg", [("dc.identifier", "surv-001"), ("dc.title", 'Police, "robot"'),
                                     ("dc.subject", "police"), ("dc.subject", "robot"),
                                     ("dc.description", "line one\nline two, 北京 📷")]),
    ("data/objects/Surv - 002.jpg", [("dc.identifier", "surv-002"), ("dc.subject", "Megvii"),
                                     ("dc.subject", "Face++"), ("dc.subject", "Beijing"),
                                     ("dcterms.isPartOf", "Essay")]),
    ("data/objects/Surv - 003.jpg", [("dc.identifier", "surv-003")]),
]


def test_metadata_csv_layout() -> None:
    data = metadata_csv_bytes(ROWS)
    assert not data.startswith(b"\xef\xbb\xbf")
    header = data.split(b"\r\n", 1)[0].decode()
    assert header == ("filename,dc.identifier,dc.title,dc.subject,dc.subject,dc.subject,"
                      "dc.description,dcterms.isPartOf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[1] == ["data/objects/Surv - 001.jpg", "surv-001", 'Police, "robot"', "police", "robot", "",
                       "line one\nline two, 北京 📷", ""]
    assert rows[2] == ["data/objects/Surv - 002.jpg", "surv-002", "", "Megvii", "Face++", "Beijing", "",
                       "Essay"]
    assert rows[3] == ["data/objects/Surv - 003.jpg", "surv-003"] + [""] * 6
    assert b'"Police, ""robot"""' in data  # RFC 4180 quoting
    assert data.count(b"\r\n") == 4 and data.endswith(b"\r\n")


def test_metadata_csv_round_trip_drops_empty_cells() -> None:
    assert parse_metadata_csv(metadata_csv_bytes(ROWS)) == ROWS
    with_empty = [("data/objects/a.jpg", [("dc.title", ""), ("dc.subject", "x")])]
    assert parse_metadata_csv(metadata_csv_bytes(with_empty)) == [("data/objects/a.jpg", [("dc.subject", "x")])]


def test_metadata_csv_groups_interleaved_repeats_by_element() -> None:
    pairs = [("dc.subject", "a"), ("dc.title", "T"), ("dc.subject", "b"), ("dc.coverage", "C"), ("dc.subject", "c")]
    (row,) = parse_metadata_csv(metadata_csv_bytes([("data/objects/x.jpg", pairs)]))
    assert row[1] == [("dc.subject", "a"), ("dc.subject", "b"), ("dc.subject", "c"), ("dc.title", "T"),
                      ("dc.coverage", "C")]
    assert sorted(row[1]) == sorted(pairs)


def test_metadata_csv_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="given twice"):
        metadata_csv_bytes([("data/objects/a.jpg", []), ("data/objects/a.jpg", [])])
    with pytest.raises(ValueError, match="unknown element"):
        metadata_csv_bytes([("data/objects/a.jpg", [("dc.headline", "x")])])


@pytest.mark.parametrize("data, line, message", [
    (b"name,dc.title\r\na,b\r\n", 1, "the first column is 'name', it must be 'filename'"),
    (b"", 1, "starting with the column 'filename'"),
    (b"filename,dc.title,dc.tittle\r\na,b\r\n", 1, "column 3: unknown element 'dc.tittle'"),
    (b"filename,dc.title\r\na,b\r\n\"x\ny\",b,c\r\n", 3, "3 cells but the header has 2 columns"),
    (b"filename,dc.title\r\na,\xff\r\n", 2, "column 2 holds bytes that are not UTF-8"),
    (b'filename,dc.title\r\na,"unclosed\r\n', 2, "a quoted cell is never closed"),
])
def test_read_metadata_csv_reports_problems(data: bytes, line: int, message: str) -> None:
    reading = read_metadata_csv(data)
    assert [p.line for p in reading.problems] == [line]
    assert message in reading.problems[0].message
    assert reading.usable == (line > 1)  # a bad header spoils every row; a bad row only itself


def test_read_metadata_csv_tolerates_bom_and_lf() -> None:
    data = "\ufefffilename,dc.title,dc.title\na.jpg,x,\nb.jpg,,y\n".encode("utf-8")
    assert parse_metadata_csv(data) == [("a.jpg", [("dc.title", "x")]), ("b.jpg", [("dc.title", "y")])]


# --- originals checksums ----------------------------------------------------

def _digests(seed: str) -> dict[str, str]:
    return {"sha256": hashlib.sha256(seed.encode()).hexdigest(),
            "sha512": hashlib.sha512(seed.encode()).hexdigest()}


ENTRIES = [("images/Surv - 001.jpg", _digests("1")), ("images/sub dir/100% 北京.jpg", _digests("2")),
           ("images/odd\nname.jpg", _digests("3"))]


def test_originals_manifest_format_and_round_trip() -> None:
    data = originals_manifest_bytes(ENTRIES)
    text = data.decode("utf-8")
    assert text.startswith("# packager originals checksums 1\n# Checksums of the original files")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines[0] == f"sha256 {ENTRIES[0][1]['sha256']}  images/Surv - 001.jpg"
    assert lines[1] == f"sha512 {ENTRIES[0][1]['sha512']}  images/Surv - 001.jpg"
    assert lines[3].endswith("  images/sub dir/100%25 北京.jpg") and lines[5].endswith("images/odd%0Aname.jpg")
    assert len(lines) == 6 and text.endswith("\n") and "\r" not in text
    assert parse_originals_manifest(data) == (ENTRIES, [])


@pytest.mark.parametrize("entries, message", [
    ([("a.jpg", {"sha256": "ab"})], "needs exactly sha256, sha512"),
    ([("a.jpg", {**_digests("1"), "md5": "0" * 32})], "needs exactly"),
    ([("a.jpg", {**_digests("1"), "sha256": "AB" * 32})], "not lowercase hexadecimal"),
    ([("a.jpg", {**_digests("1"), "sha512": "ab" * 10})], "20 hex digits, expected 128"),
    ([("a.jpg", _digests("1")), ("a.jpg", _digests("2"))], "listed twice"),
    ([("/abs/a.jpg", _digests("1"))], "relative path"),
    ([("images/../a.jpg", _digests("1"))], "'..'"),
])
def test_originals_manifest_refuses_bad_entries(entries: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        originals_manifest_bytes(entries)


def test_parse_originals_manifest_finds_every_problem() -> None:
    good = originals_manifest_bytes(ENTRIES[:1]).decode()
    sha256, sha512 = _digests("x")["sha256"], _digests("x")["sha512"]
    text = good + "\n".join([
        f"sha256 {sha256[:-2]}  b.jpg",           # 9: too short (after 6 header + 2 good lines)
        f"md5 {'0' * 32}  c.jpg",                  # 10: unknown algorithm
        f"sha256 {sha256}  images/Surv - 001.jpg",  # 11: duplicate
        "just some words",                          # 12: malformed
        f"sha256 {sha256.upper()}  d.jpg",          # 13: uppercase
        f"sha256 {sha256}  ../e.jpg",               # 14: escapes the folder
        f"sha256 {sha256}  f.jpg",                  # 15: fine, but f.jpg has no sha512
        f"sha512 {sha512}  g.jpg\r",                # 16: CRLF
        f"sha512 {sha512}  h.jpg",                  # 17: no final newline; h has no sha256
    ])
    entries, problems = parse_originals_manifest(text.encode())
    assert entries == [("images/Surv - 001.jpg", ENTRIES[0][1]), ("f.jpg", {"sha256": sha256}),
                       ("h.jpg", {"sha512": sha512})]
    assert problems == [
        "line 9: 'b.jpg': sha256 digest has 62 hex digits, expected 64",
        "line 10: 'c.jpg': unknown algorithm 'md5'; use sha256 or sha512",
        "line 11: duplicate sha256 checksum for 'images/Surv - 001.jpg'",
        "line 12: not '<algorithm> <hex>  <path>'",
        "line 13: 'd.jpg': sha256 digest is not lowercase hexadecimal",
        "line 14: '../e.jpg': must not contain empty, '.' or '..' segments",
        "line 16: ends with CR; the file must use LF line ends",
        "line 17: no line break at the end of the file",
        "'f.jpg' has no sha512 checksum",
        "'h.jpg' has no sha256 checksum",
    ]


def test_parse_originals_manifest_needs_its_header_and_utf8() -> None:
    body = originals_manifest_bytes(ENTRIES[:1]).split(b"\n", 1)[1]
    entries, problems = parse_originals_manifest(body)
    assert entries == ENTRIES[:1]
    assert problems == ["line 1: missing the header line '# packager originals checksums 1'"]
    assert parse_originals_manifest(b"\xff\xfe") == ([], ["byte 0: not UTF-8"])
    assert parse_originals_manifest(b"")[1] == ["line 1: missing the header line "
                                                "'# packager originals checksums 1'"]

