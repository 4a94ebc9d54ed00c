"""The pieces engines share: safe text deltas and sampling rules."""

from __future__ import annotations

from seaforge.serve.engine import TextStream


def _stream(pieces: list[str], stop=()):
    """Feed decoded text one piece at a time (a decode that maps token i to pieces[:i])."""
    stream = TextStream(lambda ids: "".join(pieces[: len(ids)]), tuple(stop))
    deltas = [stream.update(list(range(i + 1))) for i in range(len(pieces))]
    deltas.append(stream.update(list(range(len(pieces))), final=True))
    return deltas, stream


def test_deltas_add_up_to_the_text():
    deltas, stream = _stream(["Sa", "wat", "dee ", "krub"])
    assert "".join(deltas) == "Sawatdee krub" and not stream.stopped


def test_a_partial_character_waits_for_its_bytes():
    # byte-level tokens: the decoder shows U+FFFD until a character's last byte arrives
    decoded = {1: "ก", 2: "ก\ufffd", 3: "ก\ufffd", 4: "กข"}
    stream = TextStream(lambda ids: decoded[len(ids)], ())
    deltas = [stream.update(list(range(n))) for n in (1, 2, 3, 4)]
    assert deltas == ["ก", "", "", "ข"]


def test_stop_string_is_cut_and_never_sent_in_part():
    deltas, stream = _stream(["Hello ", "wor", "ld. ", "More"], stop=["world"])
    assert stream.stopped and "".join(deltas) == "Hello "
    assert all("wor" not in d for d in deltas)


def test_a_tail_that_only_looks_like_a_stop_string_is_released():
    deltas, stream = _stream(["abc", "x", "yz"], stop=["xq"])
    assert not stream.stopped and "".join(deltas) == "abcxyz"
    assert deltas[1] == ""  # "x" might have started "xq": held back one step
