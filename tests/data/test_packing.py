import json

import numpy as np
import pytest

from seaforge.data.packing import (
    PackedFormatError,
    pack_sequences,
    read_packed,
    write_packed,
)


def test_pack_sequences_puts_eos_between_docs_and_drops_partial_tail():
    rows = list(pack_sequences([[1, 2, 3], [4, 5], [6, 7, 8, 9]], seq_len=4, eos_id=0))
    # stream: 1 2 3 0 4 5 0 6 7 8 9 0 -> three full rows, nothing left over
    assert [r.tolist() for r in rows] == [[1, 2, 3, 0], [4, 5, 0, 6], [7, 8, 9, 0]]
    assert all(r.dtype == np.uint32 for r in rows)
    rows = list(pack_sequences([[1, 2, 3, 4, 5]], seq_len=4, eos_id=0))
    assert [r.tolist() for r in rows] == [[1, 2, 3, 4]]


def test_pack_sequences_rejects_tiny_seq_len():
    with pytest.raises(ValueError, match="seq_len"):
        list(pack_sequences([[1]], seq_len=1, eos_id=0))


def _rows(lang_seed, n, seq_len=8):
    rng = np.random.default_rng(lang_seed)
    return [rng.integers(0, 1000, seq_len).astype(np.uint32) for _ in range(n)]


def test_write_and_read_packed_round_trip(tmp_path):
    rows = {"th": _rows(1, 5), "en": _rows(2, 3)}
    index = write_packed(
        tmp_path, rows, seq_len=8, tokenizer_name="tiny", eos_id=2, rows_per_shard=2, mixture={"th": 0.6, "en": 0.4}
    )
    assert [s.file for s in index.shards] == [
        "th-00000.npy",
        "th-00001.npy",
        "th-00002.npy",
        "en-00000.npy",
        "en-00001.npy",
    ]
    back = read_packed(tmp_path, verify=True)
    assert back.tokens_by_lang() == {"th": 40, "en": 24}
    assert back.mixture == {"th": 0.6, "en": 0.4}
    got = [r.tolist() for r in back.iter_rows("th")]
    assert got == [r.tolist() for r in rows["th"]]
    assert np.load(tmp_path / "en-00001.npy", mmap_mode="r").shape == (1, 8)
    assert not (tmp_path / "index.partial.json").exists()


def test_write_packed_resumes_after_kill_without_rewriting_done_shards(tmp_path):
    rows = _rows(3, 6)

    def killed():
        yield from rows[:4]
        raise KeyboardInterrupt  # simulated kill after two shards are complete

    with pytest.raises(KeyboardInterrupt):
        write_packed(tmp_path, {"km": killed()}, 8, "tiny", 2, rows_per_shard=2)
    first = (tmp_path / "km-00000.npy").stat().st_mtime_ns
    assert not (tmp_path / "index.json").exists()
    index = write_packed(tmp_path, {"km": iter(rows)}, 8, "tiny", 2, rows_per_shard=2)
    assert (tmp_path / "km-00000.npy").stat().st_mtime_ns == first
    assert index.total_sequences == 6
    assert [r.tolist() for r in read_packed(tmp_path).iter_rows()] == [r.tolist() for r in rows]


def test_read_packed_names_the_bad_field(tmp_path):
    write_packed(tmp_path, {"vi": _rows(4, 2)}, 8, "tiny", 2)
    doc = json.loads((tmp_path / "index.json").read_text())
    doc["shards"][0]["sequences"] = 3
    (tmp_path / "index.json").write_text(json.dumps(doc))
    with pytest.raises(PackedFormatError, match=r"vi-00000.npy"):
        read_packed(tmp_path)
    doc["shards"][0].pop("sha256")
    (tmp_path / "index.json").write_text(json.dumps(doc))
    with pytest.raises(PackedFormatError, match=r"shards\[0\]: missing field 'sha256'"):
        read_packed(tmp_path)
    (tmp_path / "index.json").write_text("{not json")
    with pytest.raises(PackedFormatError, match="invalid JSON"):
        read_packed(tmp_path)
