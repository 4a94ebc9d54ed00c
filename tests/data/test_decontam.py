import csv
import gzip
import json

import pytest

from seaforge.data.decontam import build_index
from seaforge.text.segment import segment

QUESTION = "คุณสมชายซื้อข้าวสารและน้ำปลาที่ตลาดนัดจตุจักรเมื่อเช้าวันจันทร์ คุณสมชายซื้ออะไร"

# Made-up evaluation items in SEA-HELM's nested shape (text under prompts[0], language in metadata).
PASSAGE_ID = (
    "Setiap Sabtu pagi, Bu Ratna membuka warung kecil di ujung Jalan Cempaka. Ia menjual nasi uduk, "
    "gorengan, dan teh manis hangat kepada para pekerja pabrik yang lewat sebelum giliran kerja dimulai. "
    "Pada musim hujan, pembeli lebih sedikit, sehingga Bu Ratna juga menerima pesanan kue untuk arisan."
)
PASSAGE_JV = (
    "Saben esuk Pak Darmo mlaku menyang sawah karo nggawa pacul lan caping. Sawise rampung nyirami "
    "tanduran lombok, dheweke leren ana ing gubug cilik karo ngombe wedang jahe sing digawa bojone."
)
TEMPLATE = (
    "Anda akan diberikan sebuah paragraf, sebuah pertanyaan, dan empat pilihan jawaban. Jawablah pertanyaan "
    "berdasarkan paragraf dengan memilih salah satu pilihan yang diberikan.\n\nJawab hanya dengan format "
    "berikut:\nJawaban: $OPTION\nGanti $OPTION dengan pilihan yang dipilih.\n\nParagraf:\n```\n{text}\n```\n"
    "Pertanyaan: {question}\nA: {choice1}\nB: {choice2}"
)


def seahelm_record(i: int, passage: str, lang: str = "id") -> dict:
    return {
        "id": i,
        "label": "A",
        "prompts": [
            {
                "text": passage,
                "question": "Apa yang dijual Bu Ratna di warungnya?",
                "choice1": "Nasi uduk dan gorengan",
                "choice2": "Sayur dan buah",
            }
        ],
        "prompt_templates": [TEMPLATE],
        "metadata": {"language": lang, "subject": "reading comprehension"},
    }


def hit(index, text: str, lang: str = "id") -> str | None:
    return index.first_hit(segment(text, lang))


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_thai_eval_question_inside_a_document_is_found(tmp_path):
    path = tmp_path / "eval.jsonl"
    path.write_text(json.dumps({"lang": "th", "question": QUESTION}, ensure_ascii=False) + "\n", encoding="utf-8")
    index = build_index([path], n=13)
    doc = "ข่าวชุมชน " + QUESTION + " ราคาพริกในเชียงใหม่เพิ่มขึ้นร้อยละ 5 ในหน้าแล้ง"
    assert index.first_hit(segment(doc, "th")) == "eval.jsonl:1"
    other = "ราคาพริกในเชียงใหม่เพิ่มขึ้นร้อยละ 5 ในหน้าแล้ง แม่ค้าในตลาดขายขนมไทยที่ศาลาประชาคม"
    assert index.first_hit(segment(other, "th")) is None


def test_bad_eval_file_names_file_and_line(tmp_path):
    path = tmp_path / "eval.jsonl"
    path.write_text('{"question": "fine question with quite a few words in it ok"}\n{oops\n')
    with pytest.raises(ValueError, match="eval.jsonl:2"):
        build_index([path])


def test_eval_harness_task_items_are_indexed():
    from seaforge.data.decontam import eval_task_records
    from seaforge.text.segment import segment as seg

    record, source = next(r for r in eval_task_records("qa") if r[0]["lang"] in ("id", "en", "vi"))
    index = build_index([], eval_tasks="qa", min_words=3)
    text = max((v for v in record.values() if isinstance(v, str)), key=len)
    assert index.first_hit(seg("Berita hari ini. " + text, record["lang"])) is not None
    assert source.startswith("qa:")
    assert index.sets[0].name == "eval_tasks:qa" and index.sets[0].ngrams == len(index)


def test_eval_records_without_letters_or_with_an_unknown_language_are_skipped_and_counted(tmp_path):
    path = tmp_path / "eval.jsonl"
    rows = [
        {"question": "12 + 30 = 42 ; 84 / 2 = 42 ; 40 + 2 = 42 ; 50 - 8 = 42"},  # no letters: und
        {"lang": "xx", "question": "a question in a language we have no segmenter for, long enough"},
        {"lang": "fil", "question": "Bumili si Aling Nena ng bigas at isda sa palengke ng Quiapo kahapon ng umaga."},
    ]
    write_jsonl(path, rows)
    index = build_index([path], n=8)
    assert index.skipped == {"no_letters": 1, "unknown_language": 1}
    assert index.sets[0].skipped == {"no_letters": 1, "unknown_language": 1}
    words = segment("Balita: bumili si Aling Nena ng bigas at isda sa palengke ng Quiapo kahapon ng umaga.", "tl")
    assert index.first_hit(words) == "eval.jsonl:3"  # "fil" is an alias of tl, not unknown


def test_nested_seahelm_records_are_indexed_and_their_passage_is_found(tmp_path):
    path = write_jsonl(
        tmp_path / "id_reading.jsonl", [seahelm_record(7, PASSAGE_ID), seahelm_record(8, PASSAGE_JV, "jv")]
    )
    index = build_index([path])
    stats = index.sets[0]
    assert stats.records == 2 and stats.ngrams > 0 and stats.ngrams == len(index)
    assert {"prompts.text", "prompts.question"} <= stats.fields.keys()
    assert {"id", "label", "prompt_templates", "metadata"} <= stats.not_content
    doc = "Cerita dari kampung kami. " + PASSAGE_ID + " Demikian kisah hari ini."
    assert hit(index, doc) == "id_reading.jsonl:1"
    assert hit(index, "Kabar desa. " + PASSAGE_JV, "jv") == "id_reading.jsonl:2"
    assert (
        hit(index, "Bu Ratna dan Pak Darmo tinggal di kota yang berbeda dan belum pernah bertemu sama sekali.") is None
    )


def test_prompt_template_boilerplate_alone_is_not_contamination(tmp_path):
    # Every record carries the same instructions; a page that quotes them is not a leaked item.
    path = write_jsonl(tmp_path / "eval.jsonl", [seahelm_record(i, PASSAGE_ID) for i in range(3)])
    index = build_index([path])
    boilerplate = TEMPLATE.replace("{text}", "").replace("{question}", "").replace("{choice1}", "")
    assert len(segment(boilerplate, "id")) > 2 * index.n  # long enough to hold several n-grams
    assert hit(index, "Contoh soal ujian membaca. " + boilerplate + " Selamat belajar!") is None
    assert hit(index, boilerplate + " " + PASSAGE_ID) == "eval.jsonl:1"  # the item itself still is


def test_json_array_file_even_named_jsonl_is_read_with_line_numbers(tmp_path):
    rows = [
        {"pair_id": 1, "label": "e", "premise": PASSAGE_ID, "hypothesis": "Bu Ratna menjual makanan."},
        {"pair_id": 2, "label": "n", "premise": PASSAGE_JV, "hypothesis": "Pak Darmo nandur lombok."},
    ]
    pretty = json.dumps(rows, indent=2, ensure_ascii=False)
    (tmp_path / "diag.jsonl").write_text(pretty, encoding="utf-8")  # IndoNLI's diagnostic file is like this
    (tmp_path / "diag.json").write_text(pretty, encoding="utf-8")
    for name in ("diag.jsonl", "diag.json"):
        index = build_index([tmp_path / name])
        assert index.sets[0].records == 2 and index.sets[0].ngrams > 0
        second = pretty.splitlines().index("  {", 2) + 1  # the line the second object starts on
        assert hit(index, PASSAGE_ID) == f"{name}:2"
        assert hit(index, PASSAGE_JV, "jv") == f"{name}:{second}"
    (tmp_path / "bad.json").write_text('[\n  {"premise": "x"},\n  "just a string"\n]', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.json:3: expected a JSON object"):
        build_index([tmp_path / "bad.json"])


def test_csv_and_gzipped_jsonl_and_a_folder_are_indexed(tmp_path):
    folder = tmp_path / "evals"
    (folder / "sub").mkdir(parents=True)
    with open(folder / "sub" / "senti.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "label"])
        writer.writerow([1, "Makanannya enak.", "positive"])
        writer.writerow([2, PASSAGE_ID.replace(". ", ".\n", 1), "neutral"])  # a quoted cell over two lines
        writer.writerow([3, "Pelayanannya lambat sekali.", "negative"])
    with gzip.open(folder / "jv.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"lang": "jv", "text": PASSAGE_JV}) + "\n")
    (folder / "README.md").write_text("not an evaluation file: " + " ".join(["kata"] * 40))
    csv_index = build_index([folder / "sub" / "senti.csv"])
    assert csv_index.sets[0].records == 3 and hit(csv_index, PASSAGE_ID) == "senti.csv:3"
    index = build_index([str(folder)])
    stats = index.sets[0]
    assert (stats.name, stats.files, stats.records) == (str(folder), 2, 4) and stats.ngrams > 0
    assert hit(index, "Kabar: " + PASSAGE_JV, "jv") == "evals/jv.jsonl.gz:1"
    assert hit(index, PASSAGE_ID) == "evals/sub/senti.csv:3"
    assert hit(index, "kata " * 40) is None


def test_each_set_counts_its_own_ngrams_even_when_shared(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [{"lang": "id", "text": PASSAGE_ID}])
    b = write_jsonl(tmp_path / "b.jsonl", [{"lang": "id", "text": PASSAGE_ID}, {"lang": "jv", "text": PASSAGE_JV}])
    index = build_index([a, b])
    assert index.sets[0].ngrams > 0 and index.sets[1].ngrams > index.sets[0].ngrams
    assert index.set_of(hit(index, PASSAGE_ID)) == 0 and index.set_of(hit(index, PASSAGE_JV, "jv")) == 1


def test_an_eval_set_with_no_ngrams_or_no_files_stops_the_recipe_before_anything_is_written(
    tmp_path, tiny_recipe_factory
):
    from seaforge.data.pipeline import run_recipe
    from seaforge.data.recipe import RecipeError, load_recipe

    good = write_jsonl(tmp_path / "good.jsonl", [seahelm_record(1, PASSAGE_ID)])
    short = write_jsonl(tmp_path / "short.jsonl", [{"id": 1, "question": "Siapa namamu?", "label": "A"}])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("nothing here")
    cases = {
        str(short): ("eval_sets.1", "short.jsonl", "0 texts of >= 8 words", "fields seen: question (1)"),
        str(tmp_path / "missing.jsonl"): ("eval_sets.1", "missing.jsonl does not exist"),
        str(empty): ("eval_sets.1", "no .jsonl"),
    }
    for second, fragments in cases.items():
        recipe = load_recipe(tiny_recipe_factory(tmp_path, decontaminate={"eval_sets": [str(good), second]}))
        with pytest.raises(RecipeError) as err:
            run_recipe(recipe)
        for fragment in fragments:
            assert fragment in str(err.value), (fragment, str(err.value))
        assert "decontaminate" in str(err.value)
        assert not (tmp_path / "out-tiny").exists()


PLANTED = (
    "Kabar dari pasar pagi di kota kami. " + PASSAGE_ID + " Warga sekitar mengatakan bahwa warung itu sudah "
    "berdiri sejak sepuluh tahun yang lalu dan selalu ramai dikunjungi orang pada hari libur. Harga makanan di "
    "sana juga cukup murah, sehingga banyak mahasiswa yang datang untuk sarapan sebelum berangkat ke kampus."
)


def test_summary_and_output_give_each_eval_set_its_ngrams_and_removals(capsys, tmp_path, tiny_recipe_factory):
    from seaforge.cli import run

    planted = tmp_path / "planted"
    planted.mkdir()
    write_jsonl(planted / "part.jsonl", [{"id": "planted-1", "text": PLANTED}])
    hits = write_jsonl(tmp_path / "reading.jsonl", [seahelm_record(1, PASSAGE_ID)])
    misses = write_jsonl(tmp_path / "other.jsonl", [{"lang": "jv", "text": PASSAGE_JV}])
    recipe = tiny_recipe_factory(
        tmp_path,
        inputs=[
            {"type": "synthetic", "name": "web", "docs": 40, "seed": 3},
            {"type": "jsonl", "path": str(planted), "name": "planted"},
        ],
        decontaminate={"eval_sets": [str(hits), str(misses)]},
    )
    code = run(["data", "run", str(recipe)])
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads((tmp_path / "out-tiny" / "summary.json").read_text())
    sets = summary["decontamination"]
    assert list(sets) == [str(hits), str(misses)]
    assert sets[str(hits)]["removed"] == 1 and sets[str(misses)]["removed"] == 0
    assert sets[str(hits)]["records"] == 1 and sets[str(hits)]["ngrams"] > 0 and sets[str(misses)]["ngrams"] > 0
    assert summary["dropped"]["contaminated"] == 1
    assert not any(lang.startswith("decontam") for lang in summary["languages"])  # no "/" label mis-read
    assert f"decontamination: {hits} {sets[str(hits)]['ngrams']:,} n-grams, removed 1 document\n" in out
    assert f"decontamination: {misses} " in out and "removed 0 documents" in out
