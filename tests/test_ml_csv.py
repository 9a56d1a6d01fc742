"""Jesse's ML CSV: exact layout, sidecar with label_time/route, Jesse's name resolution, refusals, and each
side reading the other's file."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from jesse_dag.ml import csv_io
from jesse_dag.ml.csv_io import load_ml_data_csv, resolve_csv_path, sidecar_path, write_ml_data_csv

JESSE_PY = Path("/work/jesse-venv/bin/python")


def _points():
    return [
        {"time": 1_700_000_900, "features": {"rsi": 0.25, "atr_pct": 0.0031}, "label": {"name": "profitable", "value": False},
         "label_time": 1_700_003_600, "route": "Sandbox-BTC-USDT-15m"},
        {"time": 1_700_000_000, "features": {"rsi": -0.5, "atr_pct": 0.1 + 0.2}, "label": {"name": "profitable", "value": True},
         "label_time": 1_700_001_800, "route": "Sandbox-BTC-USDT-15m"},
    ]


def test_layout_is_jesses_and_label_time_stays_out_of_the_csv(tmp_path):
    path = write_ml_data_csv(_points(), tmp_path / "X_data.csv")
    assert path.read_text().splitlines() == [
        "time,label_name,label_value,atr_pct,rsi",
        "1700000000,profitable,True,0.30000000000000004,-0.5",
        "1700000900,profitable,False,0.0031,0.25",
    ]
    assert sidecar_path(path).read_text().splitlines() == [
        "# csv_sha256=" + hashlib.sha256(path.read_bytes()).hexdigest(), "time,label_time,route", "1700000000,1700001800,Sandbox-BTC-USDT-15m", "1700000900,1700003600,Sandbox-BTC-USDT-15m"]


def test_round_trip_keeps_values_types_and_label_times(tmp_path):
    pts = _points() + [{"time": 1_700_001_800, "features": {"rsi": 1e-17, "atr_pct": 2.0}, "label": {"name": "ret", "value": -1},
                        "label_time": 1_700_002_000, "route": "Sandbox-BTC-USDT-15m"},
                       {"time": 1_700_002_700, "features": {"rsi": 3.0, "atr_pct": 2.0}, "label": {"name": "ret", "value": 0.0125},
                        "label_time": 1_700_003_000, "route": "Sandbox-BTC-USDT-15m"}]
    path = write_ml_data_csv(pts, tmp_path / "X_data.csv")
    back = load_ml_data_csv(path)
    assert back == sorted(pts, key=lambda p: p["time"])
    assert [type(p["label"]["value"]) for p in back] == [bool, bool, int, float]


def test_without_sidecar_points_have_no_label_time(tmp_path):
    path = write_ml_data_csv(_points(), tmp_path / "X_data.csv", sidecar=False)
    assert not sidecar_path(path).exists()
    assert all("label_time" not in p for p in load_ml_data_csv(path))


def test_bare_name_resolves_under_strategies(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_csv_path("MyStrat") == Path("strategies/MyStrat/ml_data/MyStrat_data.csv")
    assert resolve_csv_path("x.csv") == Path("x.csv")
    with pytest.raises(FileNotFoundError, match="strategies/MyStrat/ml_data/MyStrat_data.csv"):
        load_ml_data_csv("MyStrat")
    write_ml_data_csv(_points(), resolve_csv_path("MyStrat"))
    assert len(load_ml_data_csv("MyStrat")) == 2


@pytest.mark.parametrize("text, message", [
    ("time,label_value,a\n1,1,2.0\n", r"line 1 \(header\): missing column\(s\) \['label_name'\]"),
    ("time,label_name,label_value,a\n1,y,1,2.0\n2,y,1,abc\n", r"line 3 \(data row 2\): feature 'a' = 'abc' is not a number"),
    ("time,label_name,label_value,a,b\n1,y,1,2.0,\n", r"line 2 \(data row 1\): feature 'b' is empty"),
    ("time,label_name,label_value,a\nx1,y,1,2.0\n", r"line 2 .*time 'x1' is not an integer"),
    ("time,label_name,label_value,a\n1,y,1\n", r"line 2 .*3 fields, header has 4"),
    ("time,label_name,label_value,a\n1,y,,2\n", r"line 2 .*label_value is empty"),
    ("", r"empty file"),
])
def test_malformed_files_are_refused_naming_the_row(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_ml_data_csv(path)


def test_a_sidecar_that_no_longer_matches_is_refused(tmp_path):
    path = write_ml_data_csv(_points(), tmp_path / "X_data.csv")
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:1] + lines[2:]) + "\n")  # a row deleted by hand
    with pytest.raises(ValueError, match="line 1: written for a CSV with sha256 .* the CSV was rewritten"):
        load_ml_data_csv(path)
    write_ml_data_csv(_points(), path)
    side = sidecar_path(path)
    side.write_text(side.read_text().replace("1700000000,", "1700000001,", 1))
    with pytest.raises(ValueError, match="line 3: time .* does not match"):
        load_ml_data_csv(path)
    # a sidecar written before the hash line existed: still checked row by row
    side.write_text("\n".join(side.read_text().splitlines()[1:]) + "\n")
    with pytest.raises(ValueError, match="line 2: time .* does not match"):
        load_ml_data_csv(path)


def test_a_gather_killed_between_the_csv_and_its_sidecar_is_refused_on_load(tmp_path, monkeypatch):
    path = write_ml_data_csv(_points(), tmp_path / "X_data.csv")
    regathered = [{**p, "label_time": p["label_time"] + 900, "label": {**p["label"], "value": not p["label"]["value"]}}
                  for p in _points()]  # same times, new labels and label times
    real_write = csv_io._atomic_write_rows

    def killed_at_the_sidecar(target, rows):
        if target.name.endswith(".label_times.csv"):
            raise KeyboardInterrupt("killed between the CSV and its sidecar")
        real_write(target, rows)

    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(csv_io, "_atomic_write_rows", killed_at_the_sidecar)
        write_ml_data_csv(regathered, path)
    # was: the new labels loaded with the old label times
    with pytest.raises(ValueError, match=r"X_data.label_times.csv: line 1: written for a CSV .*\(a gather interrupted"):
        load_ml_data_csv(path)
    write_ml_data_csv(regathered, path)
    assert load_ml_data_csv(path) == sorted(regathered, key=lambda p: p["time"])


def test_feature_named_like_a_reserved_column_is_refused(tmp_path):
    pts = [{"time": 1, "features": {"label_value": 1.0}, "label": {"name": "y", "value": 1}}]
    with pytest.raises(ValueError, match="reserved"):
        write_ml_data_csv(pts, tmp_path / "a.csv")


@pytest.mark.slow
@pytest.mark.skipif(not JESSE_PY.exists(), reason="Jesse's venv (/work/jesse-venv) is absent")
def test_jesse_reads_our_csv_and_we_read_jesses(tmp_path):
    ours = write_ml_data_csv(_points(), tmp_path / "ours_data.csv")
    theirs = tmp_path / "theirs_data.csv"
    script = textwrap.dedent(f"""
        import json
        from jesse.research.ml import load_ml_data_csv, _write_csv
        pts = json.loads({json.dumps(json.dumps([{k: v for k, v in p.items() if k in ("time", "features", "label")} for p in _points()]))})
        _write_csv(pts, {str(theirs)!r})
        print(json.dumps(load_ml_data_csv({str(ours)!r})))
    """)
    out = subprocess.run([str(JESSE_PY), "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    jesse_read = json.loads(out.stdout.strip().splitlines()[-1])
    ours_read = load_ml_data_csv(ours)
    # Jesse sees exactly our features: no label_time column leaked into its feature set
    assert [sorted(p["features"]) for p in jesse_read] == [["atr_pct", "rsi"]] * 2
    assert [{k: p[k] for k in ("time", "features", "label")} for p in ours_read] == jesse_read
    assert theirs.read_bytes() == (tmp_path / "ours_data.csv").read_bytes()
    assert load_ml_data_csv(theirs) == [{k: p[k] for k in ("time", "features", "label")} for p in ours_read]


@pytest.mark.parametrize("content, message", [
    (b"{not json", r"not valid JSON \(Expecting property name.* at line 1\)"),
    (b"\xff\xfe\x00", r"not valid JSON \(not UTF-8 text\)"),
    (b"[1, 2]", r"expected a JSON object \(the gather lineage\), got list"),
])
def test_a_damaged_lineage_file_is_refused_naming_it(tmp_path, content, message):
    from jesse_dag.ml.gather import lineage_path, read_lineage

    csv_path = tmp_path / "S_data.csv"
    lineage_path(csv_path).write_bytes(content)
    with pytest.raises(ValueError, match=message) as err:
        read_lineage(csv_path)
    assert "S_data.lineage.json" in str(err.value) and "delete this file" in str(err.value)


def test_ml_csv_encodings_and_broken_files_are_refused_naming_the_file(tmp_path):
    from jesse_dag.ml.csv_io import load_ml_data_csv

    path = tmp_path / "S_data.csv"
    path.write_bytes("\ufefftime,label_name,label_value,a\n60,y,True,0.5\n".encode())  # Excel's BOM
    assert load_ml_data_csv(path) == [{"time": 60, "features": {"a": 0.5}, "label": {"name": "y", "value": True}}]
    for content, message in [(b"\x80\x81binary", "not UTF-8 text"), (b"time,label_name,label_value,a\n1,y,True," + b"9" * 200_000,
                                                                     r"not a readable CSV \(field larger"),
                             (b"time,label_name,label_value\n1,y,True\n", "no feature columns"),
                             (b"time,label_name,label_value,a\n" + b"9" * 30 + b",y,True,1\n", "out of range")]:
        path.write_bytes(content)
        with pytest.raises(ValueError, match=message) as err:
            load_ml_data_csv(path)
        assert str(path) in str(err.value)
