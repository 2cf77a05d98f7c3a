"""Values kept on disk between stages (files/spool.py): what goes in comes back, in order."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest

from packager.files.spool import KeyedSpool, Spool


def test_a_spool_gives_back_each_value_by_position_slice_and_in_order() -> None:
    values = [{"n": n, "text": "é" * n} for n in range(50)]
    spool = Spool(values)
    spool.append(("last", None))
    assert len(spool) == 51
    assert spool[0] == values[0] and spool[49] == values[49] and spool[-1] == ("last", None)
    assert spool[10:13] == values[10:13] and spool[::25] == [values[0], values[25], ("last", None)]
    assert list(spool) == [*values, ("last", None)]
    with pytest.raises(IndexError):
        spool[51]
    with pytest.raises(IndexError):
        spool[-52]


def test_a_spool_is_read_from_several_threads_at_once() -> None:
    spool = Spool(f"value {n}" * (n % 7 + 1) for n in range(400))
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda n: spool[n], range(400)))
    assert got == [f"value {n}" * (n % 7 + 1) for n in range(400)]


def test_a_spool_is_not_sent_to_another_process() -> None:
    with pytest.raises(TypeError, match="send its values"):
        pickle.dumps(Spool([1]))


def test_a_keyed_spool_finds_values_by_key_and_lists_its_keys_in_order() -> None:
    spool: KeyedSpool[tuple[dict[str, str], str]] = KeyedSpool()
    spool.put("data/objects/b.jpg", ({"XMP-dc:Title": "B"}, "jpeg:bb"))
    spool.put("data/objects/a.jpg", ({"XMP-dc:Title": "A"}, "jpeg:aa"))
    spool.put("data/objects/b.jpg", ({"XMP-dc:Title": "B2"}, "jpeg:b2"))  # put again: the later value wins
    assert spool.get("data/objects/b.jpg") == ({"XMP-dc:Title": "B2"}, "jpeg:b2")
    assert spool.get("data/objects/a.jpg") == ({"XMP-dc:Title": "A"}, "jpeg:aa")
    assert spool.get("data/objects/c.jpg") is None
    assert "data/objects/a.jpg" in spool and "data/objects/c.jpg" not in spool
    assert len(spool) == 2
    assert list(spool) == ["data/objects/b.jpg", "data/objects/a.jpg"]


def test_a_value_taken_from_a_keyed_spool_is_forgotten() -> None:
    spool: KeyedSpool[int] = KeyedSpool()
    spool.put("a", 1)
    spool.put("b", 2)
    assert spool.take("a") == 1
    assert spool.take("a") is None and spool.get("a") is None and "a" not in spool
    assert len(spool) == 1 and list(spool) == ["b"] and spool.get("b") == 2
