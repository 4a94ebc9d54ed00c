import gzip
import zlib

import pyarrow as pa
import pyarrow.parquet as pq

from seaforge.data.readers import make_reader


def _read(reader):
    docs = list(reader.run())
    return docs, {k: v.total for k, v in reader.stats.stats.items() if k.startswith("skipped_")}


def test_jsonl_reader_skips_and_counts_malformed_records_without_crashing(tmp_path, caplog):
    lines = [
        b'{"id": "a", "text": "first good document"}',
        b'{"id": "b", "text": "unterminated',
        b'{"id": "c", "text": "caf\xe9"}',
        b'{"id": "d", "body": "no text"}',
        b'{"id": "e", "text": "  "}',
        b"[1, 2, 3]",
        b'{"id": "f", "text": "' + b"x" * 2000 + b'"}',
        b'{"id": "g", "text": "last good one"}',
    ]
    with gzip.open(tmp_path / "part.jsonl.gz", "wb") as fh:
        fh.write(b"\n".join(lines) + b"\n")
    reader = make_reader("jsonl", str(tmp_path), max_doc_chars=1000)
    docs, skipped = _read(reader)
    assert [d.id for d in docs] == ["a", "g"]
    assert skipped == {
        "skipped_bad_json": 1,
        "skipped_invalid_utf8": 1,
        "skipped_missing_text": 1,
        "skipped_empty_text": 1,
        "skipped_not_an_object": 1,
        "skipped_too_large": 1,
    }


def test_jsonl_reader_logs_file_and_line_of_a_bad_record(tmp_path):
    from loguru import logger

    messages = []
    handler = logger.add(messages.append, level="WARNING")
    try:
        (tmp_path / "a.jsonl").write_bytes(b'{"text": "ok"}\n{broken\n')
        _read(make_reader("jsonl", str(tmp_path)))
    finally:
        logger.remove(handler)
    assert any("a.jsonl:2" in str(m) and "bad json" in str(m) for m in messages)


def test_text_folder_and_parquet_readers(tmp_path):
    (tmp_path / "txt").mkdir()
    (tmp_path / "txt" / "one.txt").write_text("ภาษาไทยในไฟล์ข้อความ", encoding="utf-8")
    (tmp_path / "txt" / "bad.txt").write_bytes(b"\xff\xfe broken")
    docs, skipped = _read(make_reader("text", str(tmp_path / "txt")))
    assert [d.text for d in docs] == ["ภาษาไทยในไฟล์ข้อความ"] and skipped == {"skipped_invalid_utf8": 1}
    (tmp_path / "pq").mkdir()
    pq.write_table(pa.table({"content": ["Xin chào", ""], "id": ["1", "2"]}), tmp_path / "pq" / "a.parquet")
    docs, skipped = _read(make_reader("parquet", str(tmp_path / "pq"), text_key="content", metadata={"source": "wiki"}))
    assert [d.text for d in docs] == ["Xin chào"] and docs[0].metadata["source"] == "wiki"
    assert skipped == {"skipped_empty_text": 1}


def test_unknown_input_type_is_named():
    import pytest

    with pytest.raises(ValueError, match="unknown input type 'csvv'"):
        make_reader("csvv", "x")


def _wet(path, records):
    from io import BytesIO

    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, payload in records:
            rec = writer.create_warc_record(url, "conversion", payload=BytesIO(payload), warc_content_type="text/plain")
            writer.write_record(rec)


def test_wet_reader_reads_conversion_records_and_skips_bad_utf8(tmp_path):
    _wet(
        tmp_path / "a.warc.wet.gz",
        [
            ("https://x.example/1", "Tin tức từ Huế".encode()),
            ("https://x.example/2", b"caf\xe9"),
            ("https://x.example/3", "ข่าวชุมชน".encode()),
        ],
    )
    docs, skipped = _read(make_reader("wet", str(tmp_path)))
    assert [d.text for d in docs] == ["Tin tức từ Huế", "ข่าวชุมชน"]
    assert docs[0].metadata["url"] == "https://x.example/1" and skipped == {"skipped_invalid_utf8": 1}


def test_hf_dataset_reader_loads_a_local_dataset_and_skips_empty_text(tmp_path):
    import datasets

    datasets.Dataset.from_dict({"text": ["Halo dunia, ini teks pertama.", ""], "id": ["a", "b"]}).save_to_disk(
        tmp_path / "ds"
    )
    reader = make_reader("hf", str(tmp_path / "ds"), load_from_disk=True, streaming=False, dataset_options={})
    docs, skipped = _read(reader)
    assert [d.text for d in docs] == ["Halo dunia, ini teks pertama."] and skipped == {"skipped_empty_text": 1}


def _gz_lines(path, lines):
    with gzip.open(path, "wb") as fh:
        fh.write(b"".join(b'{"id": "%d", "text": "dokumen %d"}\n' % (i, i) for i in lines))


def test_truncated_or_corrupt_compressed_files_keep_what_was_read_and_the_run_goes_on(tmp_path):
    from loguru import logger

    _gz_lines(tmp_path / "a.jsonl.gz", range(0, 400))
    whole = (tmp_path / "a.jsonl.gz").read_bytes()
    (tmp_path / "a.jsonl.gz").write_bytes(whole[: len(whole) // 2])  # a copy cut in the middle
    (tmp_path / "b.jsonl.gz").write_bytes(b"<html>not gzip at all</html>\n")
    _gz_lines(tmp_path / "c.jsonl.gz", range(400, 403))
    messages = []
    handler = logger.add(messages.append, level="WARNING")
    try:
        docs, skipped = _read(make_reader("jsonl", str(tmp_path)))
    finally:
        logger.remove(handler)
    ids = [int(d.id) for d in docs]
    kept = [i for i in ids if i < 400]
    # every whole line before the cut is kept (what zlib can still decompress), then the next files
    complete = zlib.decompressobj(31).decompress(whole[: len(whole) // 2]).count(b"\n")
    assert kept == list(range(complete)) and 0 < complete < 400
    assert ids[len(kept) :] == [400, 401, 402]
    assert skipped == {"skipped_truncated_file": 1, "skipped_corrupt_file": 1}
    warnings = [str(m) for m in messages]
    assert any("a.jsonl.gz" in m and "truncated file" in m for m in warnings)
    assert any("b.jsonl.gz" in m and "corrupt file" in m for m in warnings)


def test_a_byte_order_mark_does_not_lose_the_first_record(tmp_path):
    from seaforge.io import iter_jsonl

    bom = b"\xef\xbb\xbf"
    (tmp_path / "a.jsonl").write_bytes(bom + b'{"id": "1", "text": "satu"}\n{"id": "2", "text": "dua"}\n')
    assert [line.record["id"] for line in iter_jsonl(tmp_path / "a.jsonl")] == ["1", "2"]
    docs, skipped = _read(make_reader("jsonl", str(tmp_path)))
    assert [d.id for d in docs] == ["1", "2"] and skipped == {}
    (tmp_path / "b.jsonl").write_bytes(b'{"id": "3", "text": "' + bom + b'tiga"}\n')  # inside a line: text
    assert next(iter_jsonl(tmp_path / "b.jsonl")).record["text"] == "\ufefftiga"
    (tmp_path / "txt").mkdir()
    (tmp_path / "txt" / "one.txt").write_bytes(bom + "Xin chào".encode())
    docs, _ = _read(make_reader("text", str(tmp_path / "txt")))
    assert [d.text for d in docs] == ["Xin chào"]
