"""`stridemon export RUN --to fit` through the real CLI, decoded with Garmin's official SDK."""

from __future__ import annotations

import json
from pathlib import Path

from garmin_fit_sdk import Decoder, Stream

from tests.conftest import run_cli

DEMO = Path(__file__).resolve().parents[1] / "recordings" / "demo-run.smrec"


def test_export_to_fit_matches_analyze(tmp_path):
    out = tmp_path / "demo.fit"
    p = run_cli("export", str(DEMO), "--to", "fit", "--out", str(out))
    assert p.returncode == 0, p.stderr
    messages, errors = Decoder(Stream.from_file(str(out))).read()
    assert errors == []
    doc = json.loads(run_cli("analyze", str(DEMO), "--json").stdout)
    session = messages["session_mesgs"][0]
    assert session["sport"] == "running"
    # FIT running cadence is strides/min (+ fractional): steps/min = 2 × (cadence + fractional).
    spm = 2 * (session["avg_running_cadence"] + session["avg_fractional_cadence"])
    assert abs(spm - doc["summary"]["cadence_spm_median"]) < 3.0
    assert abs(len(messages["record_mesgs"]) - doc["summary"]["duration_s"]) <= 2
    assert abs(session["avg_stance_time"] - doc["summary"]["contact_ms_median"]) < 10.0
    names = {m.get("field_name") for m in messages["field_description_mesgs"]}
    assert any("rotation" in (n or "") for n in names)
    again = run_cli("export", str(DEMO), "--to", "fit", "--out", str(out))
    assert again.returncode == 2 and "already exists" in again.stderr  # never overwrite without --force
