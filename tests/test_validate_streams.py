"""The validator's stream readers say what the whole-file readers say.

Manifests, metadata.csv, originals.txt and records.json are read as streams
so that memory stays flat in the size of the bag; each stream reader must
give the same findings, on the same lines, as reading the whole file does.
Seeded random files (damaged on purpose: bad quotes, stray CRs, bytes that are
not UTF-8, byte-order marks, blocks cut in the middle of a character) are
read both ways and compared.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import IO, Any

import pytest

import packager.validate.manifest as manifest_module
from packager.metadata.csvfile import CsvProblem, CsvRow, read_metadata_csv
from packager.metadata.originals import ORIGINALS_MAGIC, read_originals_manifest
from packager.validate import recordstream
from packager.validate.csvstream import CsvStream
from packager.validate.manifest import read_manifest, read_manifest_stream
from packager.validate.originalstream import read_originals
from packager.validate.tags import Declaration


class Trickle(io.RawIOBase):
    """A stream that hands out at most ``step`` bytes per read (blocks cut anywhere)."""

    def __init__(self, data: bytes, step: int) -> None:
        super().__init__()
        self.data, self.step, self.at = data, step, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.data[self.at:self.at + min(self.step, len(buffer))]
        buffer[:len(chunk)] = chunk
        self.at += len(chunk)
        return len(chunk)


@pytest.mark.parametrize("version", [(1, 0), (0, 97)])
def test_a_manifest_read_as_a_stream_gives_the_same_findings(version: tuple[int, int],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    decl = Declaration(".".join(map(str, version)), version, "utf-8", "UTF-8")
    rng = random.Random(3)
    for _ in range(600):
        monkeypatch.setattr(manifest_module, "_BLOCK", rng.choice([1, 2, 3, 5, 7, 64, 1 << 20]))
        lines = []
        for i in range(rng.randint(0, 8)):
            digest = rng.choice(["ab" * 32, "zz", "AB" * 32, "*" + "ab" * 32])
            name = rng.choice(["data/a", "data/é", "data/x y", "./data/b", "data/%41", "tagfile.txt", "", "data//c",
                               "data/../x", "data/\u2028"])
            gap, end = rng.choice(["  ", " ", "\t"]), rng.choice(["\n", "\r\n", "\r", "", "\n\n", "\r\r\n"])
            lines.append(f"{digest}{gap}{name}{i}{end}")
        raw = (rng.choice(["", "\ufeff"]) + "".join(lines)).encode()
        if rng.random() < 0.1:
            raw = raw[:len(raw) // 2] + b"\xff" + raw[len(raw) // 2:]
        if rng.random() < 0.05:
            raw = raw[:-1]  # perhaps in the middle of a character
        whole: list[Any] = []
        streamed: list[Any] = []
        one = read_manifest("manifest-sha256.txt", raw, decl, whole)
        two = read_manifest_stream("manifest-sha256.txt", io.BytesIO(raw), decl, streamed)
        assert [(i.code, i.line, i.message) for i in streamed] == [(i.code, i.line, i.message) for i in whole], raw
        assert list(two.entries.items()) == list(one.entries.items()), raw


def test_metadata_csv_read_as_a_stream_gives_the_same_rows_and_problems() -> None:
    rng = random.Random(5)
    cells = ["a", '"q""x"', '"multi\nline"', '"unclosed', 'x"y', "", "é", '"a"b', "Ã"]
    for _ in range(800):
        lines = [rng.choice(["filename,dc.title,dc.subject", "filename,dc.title", "file,dc.title", "",
                             "filename,dc.tittle"])]
        for _ in range(rng.randint(0, 6)):
            row = ",".join(rng.choice(cells) for _ in range(rng.randint(1, 4)))
            lines.append(rng.choice(["data/objects/a.jpg", "data/objects/b.jpg", "", "x"]) + "," + row)
        end = rng.choice(["\r\n", "\n", "\r"])
        data = rng.choice([b"", b"\xef\xbb\xbf"]) + (end.join(lines) + rng.choice(["", end])).encode("utf-8")
        if rng.random() < 0.1:
            data = data.replace("é".encode(), b"\xe9")  # Latin-1, not UTF-8
        whole = read_metadata_csv(data)
        stream = CsvStream(io.BufferedReader(Trickle(data, rng.choice([1, 3, 64])), buffer_size=8))
        found = list(stream)
        assert (stream.bom, stream.usable) == (whole.bom, whole.usable), data
        assert [r for r in found if isinstance(r, CsvRow)] == whole.rows, data
        assert [p for p in found if isinstance(p, CsvProblem)] == whole.problems, data


def test_originals_read_as_a_stream_give_the_same_problems() -> None:
    rng = random.Random(7)
    for _ in range(800):
        lines = [rng.choice([ORIGINALS_MAGIC, "# packager originals checksums 2", "garbage"])] \
            if rng.random() < 0.9 else []
        for _ in range(rng.randint(0, 6)):
            algorithm = rng.choice(["sha256", "sha512", "md5"])
            digits = {"sha256": 64, "sha512": 128, "md5": 32}[algorithm]
            digest = rng.choice(["a" * digits, "A" * digits, "a" * 10])
            path = rng.choice(["images/a.jpg", "images/b.jpg", "../x", "images/%zz", "images/é.jpg"])
            lines.append(rng.choice([f"{algorithm} {digest}  {path}", "# comment", "", "bad line",
                                     f"{algorithm} {digest}  {path}\r"]))
        data = ("\n".join(lines) + rng.choice(["\n", ""])).encode()
        if rng.random() < 0.05:
            data = data[:len(data) // 2] + b"\xff" + data[len(data) // 2:]
        entries, problems = read_originals_manifest(data)
        names, streamed = read_originals(io.BytesIO(data))
        assert names == [name for name, _ in entries], data
        assert streamed == problems, data


def opener(data: bytes) -> recordstream.Opener:
    def open_it() -> AbstractContextManager[IO[bytes]]:
        return nullcontext(io.BytesIO(data))
    return open_it


def read_all(data: bytes) -> list[dict[str, Any]] | tuple[str, str]:
    try:
        return list(recordstream.items(opener(data)))
    except recordstream.NotRecords as exc:
        return exc.what, exc.error


@pytest.mark.parametrize("text, verdict", [
    ('{"software": {}, "items": [{"a": 1.5}, {"b": [1, "x"]}], "issues": []}', [{"a": 1.5}, {"b": [1, "x"]}]),
    ('{"items": []}', []),
    ('{"items": [{"a": 1}], "issues": [1,}', "records_not_json"),
    ('{"items": [{"a": 1}]} trailing', "records_not_json"),
    ('{"items": [{"a": 1}', "records_not_json"),
    ('', "records_not_json"),
    ('[1, 2', "records_not_json"),  # wrong structure, but not JSON either: that is the verdict
    ('[{"a": 1}]', "records_no_items"),
    ('{"software": {}}', "records_no_items"),
    ('{"items": {"item": {"a": 1}}}', "records_no_items"),
    ('{"items": [{"a": 1}, 5]}', "records_no_items"),
    ('{"items": [{"a": 1}, 5, }', "records_not_json"),
    ('{"collection": {"items": [{"x": 1}]}, "items": [{"a": 2}]}', [{"a": 2}]),
])
def test_records_json_read_as_a_stream_gives_the_verdict_of_reading_it_whole(text: str, verdict: Any) -> None:
    found = read_all(text.encode())
    if isinstance(verdict, list):
        assert found == verdict
        assert found == json.loads(text)["items"]
    else:
        assert isinstance(found, tuple) and found[0] == verdict, found
        if verdict == "records_not_json":
            assert found[1] and "\n" not in found[1]


def test_records_json_items_come_one_at_a_time() -> None:
    """The items are made as they are read: the first comes before the document is read to its end."""
    head = b'{"items": [{"n": 0}'

    def endless() -> Iterator[bytes]:
        yield head
        n = 1
        while True:
            yield b', {"n": %d}' % n
            n += 1

    class Endless(io.RawIOBase):
        def __init__(self) -> None:
            super().__init__()
            self.parts = endless()

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            part = next(self.parts)[:len(buffer)]
            buffer[:len(part)] = part
            return len(part)

    items = recordstream.items(lambda: nullcontext(io.BufferedReader(Endless())))
    assert [next(items)["n"] for _ in range(3)] == [0, 1, 2]
