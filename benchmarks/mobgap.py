"""Step detection on the real lower-back walking trials in ../shared/data/mobgap_lab, next to
the three published peer algorithms' detections shipped with the data.

Scored with ../shared/tools/score_steps.py inside the reference (INDIP) walking bouts, ±0.25 s.
The detector's parameters were chosen on participant HA_001 only; HA_002 and MS_001 are held
out, and are reported separately. The peers were run on the oracle walking bouts; stridemon
finds its own bouts in the whole recording.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import numpy as np

from stridemon.pipeline import Pipeline
from stridemon.sources.csvfile import read_imu_csv

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data" / "mobgap_lab"
PEERS = ["hklee_improved", "ionescu", "shin_improved"]
TUNING = ("HA_001",)


def _scorer():
    spec = importlib.util.spec_from_file_location("score_steps", SHARED / "tools" / "score_steps.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _times(path: Path) -> np.ndarray:
    with open(path, newline="") as f:
        return np.array([float(r["t_s"]) for r in csv.DictReader(f)], dtype=float)


def detect(stem: str) -> tuple[np.ndarray, list]:
    batch, _ = read_imu_csv(DATA / "imu" / f"{stem}.csv")
    p = Pipeline()
    p.feed(batch)
    p.finish()
    return np.array([s.t_s for s in p.steps]), [s.side for s in p.steps]


def run() -> dict:
    if not DATA.is_dir():
        print(f"mobgap data not found at {DATA}: skipped")
        return {}
    sc = _scorer()
    with open(DATA / "trials.csv", newline="") as f:
        stems = [r["stem"] for r in csv.DictReader(f)]
    rows: dict[str, dict[str, list]] = {}
    side: dict[str, list[int]] = {}
    for stem in stems:
        ref_path = DATA / "ref" / f"{stem}_indip_ics.csv"
        ref = _times(ref_path)
        if len(ref) == 0:
            continue
        bouts = sc.load_bouts(str(DATA / "ref" / f"{stem}_walking_bouts.csv"))
        group = "tuning (HA_001)" if stem.startswith(TUNING) else "held out (HA_002, MS_001)"
        pred, sides = detect(stem)
        with open(ref_path, newline="") as f:
            ref_sides = [r["side"] for r in csv.DictReader(f)]
        for t, s in zip(pred, sides, strict=True):
            j = int(np.argmin(np.abs(ref - t)))
            if abs(ref[j] - t) <= 0.25:
                for key in (group, "all"):
                    c = side.setdefault(key, [0, 0, 0])
                    if s is None:
                        c[2] += 1  # left undecided (null), not guessed
                        continue
                    c[0] += s == ref_sides[j]
                    c[1] += 1
        algos = {"stridemon": pred}
        for peer in PEERS:
            algos[peer] = _times(DATA / "peers" / peer / f"{stem}_ics.csv")
        for name, p in algos.items():
            r = sc.score(ref, p, 0.25, bouts, return_pairs=True)
            errs = np.asarray(r.get("_err_ms", []))
            for key in (group, "all"):
                d = rows.setdefault(name, {}).setdefault(key, [0, 0, 0, [], []])
                d[0] += r["tp"]
                d[1] += r["fp"]
                d[2] += r["fn"]
                d[3].extend(np.abs(errs).tolist())
                d[4].extend(
                    [abs(b["cadence_err_spm"]) for b in r.get("bouts", []) if b.get("cadence_err_spm") is not None]
                )
    print("\nReal lower-back walking (mobgap lab, INDIP reference, within reference bouts, tol 0.25 s)")
    print(f"{'algorithm':16s} {'trials':26s} {'TP':>4s} {'FP':>4s} {'FN':>4s} {'F1':>6s} {'med|err| ms':>11s} "
          f"{'|cad err| spm':>13s}")
    result = {}
    for name, groups in rows.items():
        for key in ("tuning (HA_001)", "held out (HA_002, MS_001)", "all"):
            tp, fp, fn, errs, cad = groups[key]
            f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
            med = float(np.median(errs)) if errs else float("nan")
            ce = float(np.mean(cad)) if cad else float("nan")
            print(f"{name:16s} {key:26s} {tp:4d} {fp:4d} {fn:4d} {f1:6.3f} {med:11.0f} {ce:13.1f}")
            result[(name, key)] = f1
    for key, (ok, n, none) in side.items():
        pct = 100 * ok / max(n, 1)
        print(
            f"stridemon left/right agreement with INDIP on matched steps with a side, {key}: {ok}/{n} = {pct:.1f} %"
            f" ({none} more left undecided)"
        )
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    run()
