"""A refused file is named with its problem; its content is quoted only as a short, escaped excerpt
(at most 40 characters a piece), never echoed whole (issue 15)."""
from __future__ import annotations

import base64
import difflib
import random

import pytest

from jesse_dag._excerpt import excerpt
from jesse_dag.candles.importers import CandleFileError, read_candles_file
from jesse_dag.ml.csv_io import load_ml_data_csv

KEY = ("-----BEGIN OPENSSH PRIVATE KEY-----\n"
       + "\n".join(base64.b64encode(random.Random(7).randbytes(54)).decode() for _ in range(12))
       + "\n-----END OPENSSH PRIVATE KEY-----\n")


def _longest_echo(message: str, content: str) -> int:
    """Length of the longest run of ``content`` that appears in ``message`` (repr escapes undone)."""
    plain = message.encode().decode("unicode_escape", "replace") if "\\" in message else message
    best = 0
    for text in (message, plain):
        m = difflib.SequenceMatcher(None, text, content, autojunk=False)
        best = max(best, m.find_longest_match(0, len(text), 0, len(content)).size)
    return best


def _refusal(fn, path) -> str:
    with pytest.raises(ValueError) as err:
        fn(path)
    return str(err.value)


def test_a_key_file_given_as_ml_data_is_named_not_echoed(tmp_path):
    p = tmp_path / "id_ed25519"
    p.write_text(KEY)
    msg = _refusal(load_ml_data_csv, p)
    assert str(p) in msg and "not Jesse's ML data CSV" in msg and "line 1" in msg
    assert _longest_echo(msg, KEY) <= 40 and "first 40 of" not in msg  # the first line is 35 characters
    long_line = tmp_path / "long.csv"
    long_line.write_text(KEY.replace("\n", ","))
    msg = _refusal(load_ml_data_csv, long_line)
    assert _longest_echo(msg, KEY) <= 40 and "(first 40 of 946 characters)" in msg


def test_binary_and_nul_ml_data_are_refused_naming_the_file(tmp_path):
    blob = tmp_path / "model.pkl"
    blob.write_bytes(b"\x80\x04\x95" + random.Random(1).randbytes(2000))
    msg = _refusal(load_ml_data_csv, blob)
    assert msg.startswith(f"{blob}: not UTF-8 text (byte 0 cannot be decoded)")
    nul = tmp_path / "nul.csv"
    nul.write_text("time,label_name,label_value,a\n1,y,1,\x00secret\n")
    assert "feature 'a' = '\\x00secret' is not a number" in _refusal(load_ml_data_csv, nul)  # escaped
    huge = tmp_path / "huge.csv"
    huge.write_text("time,label_name,label_value,a\n1,y,1," + "9" * 200_000 + "\n")
    msg = _refusal(load_ml_data_csv, huge)
    assert msg.startswith(f"{huge}: not a readable CSV (field larger than field limit") and len(msg) < len(str(huge)) + 160


def test_ml_data_cells_are_quoted_as_excerpts(tmp_path):
    secret = "s3cr3t-" * 30
    p = tmp_path / "X_data.csv"
    p.write_text(f"time,label_name,label_value,a\n1,y,1,{secret}\n")
    msg = _refusal(load_ml_data_csv, p)
    assert "line 2 (data row 1): feature 'a' = " in msg and "(first 40 of 210 characters) is not a number" in msg
    assert _longest_echo(msg, secret) == 40
    p.write_text(f"time,label_name,label_value,a\n{secret},y,1,1\n")
    assert _longest_echo(_refusal(load_ml_data_csv, p), secret) == 40


def test_candle_files_quote_rows_cells_and_headers_as_excerpts(tmp_path):
    secret = "".join(random.Random(3).choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(300))
    bad_row = tmp_path / "row.csv"
    bad_row.write_text(f"timestamp,open,high,low,close,volume\n1609459200000,10,12,9,11,5\n{secret}\n")
    msg = _refusal(read_candles_file, bad_row)
    assert str(bad_row) in msg and "line 3 has 1 fields but the header (or first row) has 6" in msg
    assert _longest_echo(msg, secret) <= 40  # the line is named, its content not echoed
    bad_cell = tmp_path / "cell.csv"
    bad_cell.write_text(f"timestamp,open,high,low,close,volume\n1609459200000,x{secret},12,9,11,5\n")
    msg = _refusal(read_candles_file, bad_cell)
    assert "line 2, column 'open': 'xppp" in msg and "is not a number" in msg and _longest_echo(msg, secret) <= 40
    header = tmp_path / "passwd.csv"
    header.write_text(",".join(secret[i:i + 60] for i in range(0, 300, 60)) + "\n1,2,3,4,5\n")
    msg = _refusal(read_candles_file, header)
    assert "no column for timestamp" in msg and _longest_echo(msg, secret) <= 40
    assert len(msg) - len(str(header)) < 350
    blob = tmp_path / "blob.csv"
    raw = random.Random(5).randbytes(5000)
    blob.write_bytes(raw)
    with pytest.raises(CandleFileError) as err:
        read_candles_file(blob)
    assert str(blob) in str(err.value) and len(str(err.value)) < 600


def test_excerpt_escapes_what_a_terminal_would_act_on():
    assert excerpt("\x1b[2Jgone\u202e") == "'\\x1b[2Jgone\\u202e'"
    assert excerpt(b"\xff\xfe") == "'\ufffd\ufffd'"  # undecodable bytes shown as replacement characters
