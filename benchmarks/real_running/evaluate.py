"""stridemon on REAL running: steps, contact timing, side and rotation per speed (and slope).

Reference sets (built by the ``build_*.py`` scripts beside this file; their data are not in the
repository — see ``README.md`` here — and are looked for in ``$STRIDEMON_REAL_RUNNING``,
``../shared/data/real_running`` or ``../real_running`` beside the checkout):

* ``hamner2013``: virtual sacral IMUs from treadmill motion capture (Hamner & Delp 2013), 2–5
  m/s, contacts from force plates, left/right, pelvis heading, obliquity and tilt;
* ``fukuchi2017``: the same from 26 runners' treadmill motion capture at 2.5–4.5 m/s
  (Fukuchi et al. 2017), contacts from foot markers;
* ``alcantara2022``: a REAL sacral accelerometer (vertical and fore-aft, no gyroscope) on a
  force treadmill, 2.5–4.2 m/s, −10° to +10° slope (Alcantara et al. 2022), force contacts.

Each trial goes through the very same :class:`~stridemon.pipeline.Pipeline` as ``analyze``,
seen through several mountings of the sensor (the virtual IMUs' vectors rotated), so that the
rules are shown not to depend on how the sensor is clipped on.

Scoring: detected contacts matched one-to-one to reference ICs within ±``TOL_S``; F1; IC error
(detected − reference, ms: median |error| and median = bias); side agreement over matched
steps with a side (and the share left ``None``); rotation per stride against two references
(strides matched by start within 50 ms): the heading of the pelvis' medio-lateral axis — what
stridemon measures, the facing direction that moves the side of the torso — and the heading of
the anatomical forward axis (ASIS–PSIS, tilted), which adds sin(tilt) × obliquity.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.sim_accuracy import match
from stridemon.pipeline import Pipeline
from stridemon.samples import SampleBatch

ROOT = Path(__file__).resolve().parents[2]
TOL_S = 0.1  # step matching tolerance (as the issue's figures)
STRIDE_TOL_S = 0.05


def data_root() -> Path | None:
    """Where the derived reference sets are (None: not on this machine)."""
    for p in (
        os.environ.get("STRIDEMON_REAL_RUNNING"),
        ROOT.parent / "shared/data/real_running",
        ROOT.parent / "real_running",
    ):
        if p and Path(p).is_dir():
            return Path(p)
    return None


def _rx(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _rz(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _ry(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


# Sensor mountings: M maps the canonical sensor frame (x forward, y left, z up) to the mounted
# one, v_mounted = Mᵀ v (a belt clip upright, upside down, on its side, turned, and tilted).
MOUNTS = {
    "upright": np.eye(3),
    "upside-down": _rx(180),
    "on-its-side": _rx(90),
    "turned-90": _rz(90),
    "tilted-30": _ry(30) @ _rx(-20),
}


def load_csv(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t_s, acc m/s², gyro deg/s or NaN) from a plain IMU CSV (optionally gzipped)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        header = f.readline().strip().split(",")
        x = np.loadtxt(f, delimiter=",", ndmin=2)
    t, acc = x[:, 0], x[:, 1:4]
    gyro = x[:, 4:7] if len(header) >= 7 else np.full((len(t), 3), np.nan)
    return t, acc, gyro


def analyse(t: np.ndarray, acc: np.ndarray, gyro: np.ndarray, mount: np.ndarray) -> Pipeline:
    p = Pipeline()
    p.feed(SampleBatch(t, acc @ mount, gyro @ mount))
    p.finish()
    return p


def ml_axis_heading_deg(ref: dict) -> tuple[np.ndarray, np.ndarray] | None:
    """Heading (deg) of the pelvis' medio-lateral axis from the anatomical forward-axis heading,
    tilt and obliquity (Hamner signals): ψ_ML = ψ − atan(tan β · sin tilt), sin β = −sin(obl)/cos(tilt)."""
    s = ref.get("signals")
    if not s or "heading_deg" not in s:
        return None
    psi, tilt, obl = (np.radians(np.asarray(s[k], float)) for k in ("heading_deg", "tilt_deg", "obliquity_deg"))
    beta = np.arcsin(np.clip(-np.sin(obl) / np.cos(tilt), -1, 1))
    return np.asarray(s["t_s"], float), np.degrees(psi - np.arctan(np.tan(beta) * np.sin(tilt)))


def detrended_range(t: np.ndarray, y: np.ndarray, a: float, b: float) -> float:
    m = (t > a) & (t < b)
    ya, yb = np.interp([a, b], t, y)
    tt = np.concatenate([[a], t[m], [b]])
    yy = np.concatenate([[ya], y[m], [yb]])
    r = yy - (ya + (yb - ya) * (tt - a) / (b - a))
    return float(r.max() - r.min())


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    ic_err_ms: list[float] = field(default_factory=list)
    side_ok: int = 0
    side_n: int = 0
    side_none: int = 0
    rot: list[tuple[float, float, float]] = field(default_factory=list)  # ours, ML-axis ref, anatomical ref
    fwd_cos: list[float] = field(default_factory=list)  # cos(angle) of the forward-axis estimate to the truth
    trials: int = 0

    def add(self, o: Tally) -> None:
        for k in ("tp", "fp", "fn", "side_ok", "side_n", "side_none", "trials"):
            setattr(self, k, getattr(self, k) + getattr(o, k))
        self.ic_err_ms += o.ic_err_ms
        self.rot += o.rot
        self.fwd_cos += o.fwd_cos

    def row(self) -> dict:
        e = np.asarray(self.ic_err_ms)
        r = np.asarray(self.rot).reshape(-1, 3)
        ok = np.isfinite(r).all(axis=1) if len(r) else np.zeros(0, bool)
        out = {
            "trials": self.trials,
            "ics": self.tp + self.fn,
            "F1": 2 * self.tp / max(2 * self.tp + self.fp + self.fn, 1),
            "ic_abs_ms": float(np.median(np.abs(e))) if len(e) else math.nan,
            "ic_bias_ms": float(np.median(e)) if len(e) else math.nan,
            "side_pct": 100 * self.side_ok / self.side_n if self.side_n else math.nan,
            "side_none_pct": 100 * self.side_none / max(self.side_n + self.side_none, 1),
            "strides": int(ok.sum()),
            "fwd_within_30deg_pct": 100 * float(np.mean(np.asarray(self.fwd_cos) > math.cos(math.radians(30))))
            if self.fwd_cos
            else math.nan,
        }
        if ok.any():
            ours, ml, anat = r[ok, 0], r[ok, 1], r[ok, 2]
            out.update(
                rot_ours=float(np.median(ours)),
                rot_ref_ml=float(np.median(ml)),
                rot_mae_ml=float(np.mean(np.abs(ours - ml))),
                rot_rel_ml_pct=100 * float(np.median(ours) / np.median(ml) - 1),
                rot_ref_anat=float(np.nanmedian(anat)),
                rot_rel_anat_pct=100 * float(np.median(ours) / np.nanmedian(anat) - 1),
            )
        return out


def score(p: Pipeline, ref: dict, t_ml: tuple | None, mount: np.ndarray | None = None) -> Tally:
    s = Tally(trials=1)
    if mount is not None:  # the reference sensor frame's x axis is forward (v_mounted = Mᵀ v)
        f = p.forward.forward
        s.fwd_cos.append(float(f @ (mount.T @ np.array([1.0, 0.0, 0.0]))) if np.isfinite(f).all() else -1.0)
    # Fukuchi's contacts come from foot markers: the foot-acceleration peak (``t_accel``,
    # Handsaker et al. 2016: +3 ms vs force plates) is the better time where it exists; the
    # foot-height crossing ``t`` runs 15–25 ms early (see its README).
    ref_t = np.array([e.get("t_accel") if e.get("t_accel") is not None else e["t"] for e in ref["ics"]])
    ref_side = [e["side"] for e in ref["ics"]]
    det_t = np.array([x.t_s for x in p.steps])
    pairs = match(ref_t, det_t, TOL_S)
    s.tp = len(pairs)
    s.fn = len(ref_t) - len(pairs)
    s.fp = len(det_t) - len(pairs)
    for i, j in pairs:
        s.ic_err_ms.append(1000 * (det_t[j] - ref_t[i]))
        if ref_side[i] is None:
            continue
        if p.steps[j].side is None:
            s.side_none += 1
        else:
            s.side_n += 1
            s.side_ok += p.steps[j].side == ref_side[i]
    strides = ref.get("strides", [])
    if strides and p.strides:
        st = np.array([x.t_s for x in p.strides])
        rs = np.array([x["t_start"] for x in strides])
        for i, j in match(rs, st, STRIDE_TOL_S):
            r = strides[i]
            ml = r.get("vertical_rate_range_deg")
            if ml is None and t_ml is not None:
                ml = detrended_range(t_ml[0], t_ml[1], r["t_start"], r["t_end"])
            s.rot.append((p.strides[j].rotation_deg, ml if ml is not None else math.nan, r["yaw_range_deg"]))
    return s


def trials(root: Path, set_name: str) -> list[tuple[Path, dict]]:
    d = root / set_name
    if not d.is_dir():
        return []
    out = []
    for ref_path in sorted(d.glob("*_ref.json")):
        ref = json.loads(ref_path.read_text())
        csv = d / ref.get("imu_file", ref_path.name.replace("_ref.json", "_sacrum.csv.gz"))
        if csv.exists():
            out.append((csv, ref))
    return out


def group_key(set_name: str, ref: dict) -> str:
    key = f"{ref['speed_mps']:.1f} m/s"
    if "slope_deg" in ref:
        key += f" {ref['slope_deg']:+.0f}°"
    return key


def evaluate(root: Path, set_name: str, mounts: dict[str, np.ndarray] | None = None) -> dict[str, Tally]:
    """Tallies per speed (and slope), plus 'all' and one per mounting."""
    mounts = mounts or MOUNTS
    groups: dict[str, Tally] = defaultdict(Tally)
    for csv, ref in trials(root, set_name):
        t, acc, gyro = load_csv(csv)
        t_ml = ml_axis_heading_deg(ref)
        has_gyro = np.isfinite(gyro).any()
        for mname, m in (mounts if has_gyro else {"as recorded": np.eye(3)}).items():
            sc = score(analyse(t, acc, gyro, m), ref, t_ml, m)
            groups[group_key(set_name, ref)].add(sc)
            groups[f"mount: {mname}"].add(sc)
            groups["all"].add(sc)
    return dict(groups)


def print_table(set_name: str, groups: dict[str, Tally]) -> None:
    print(f"\nReal running — {set_name} (every trial × mounting through the same pipeline)")
    print(
        f"{'group':22s} {'trials':>6s} {'ICs':>5s} {'F1':>6s} {'|IC err| ms':>11s} {'bias ms':>8s} "
        f"{'side %':>7s} {'null %':>6s} {'strides':>7s} {'rot°':>5s} {'ML ref°':>7s} {'MAE°':>5s} "
        f"{'vs ML':>6s} {'anat°':>6s} {'vs anat':>7s} {'fwd<30° %':>9s}"
    )
    for name in sorted(groups, key=lambda k: (k.startswith("mount"), k == "all", k)):
        r = groups[name].row()
        rot = (
            (
                f"{r['rot_ours']:5.1f} {r['rot_ref_ml']:7.1f} {r['rot_mae_ml']:5.2f} {r['rot_rel_ml_pct']:+5.0f}% "
                f"{r['rot_ref_anat']:6.1f} {r['rot_rel_anat_pct']:+6.0f}%"
            )
            if "rot_ours" in r
            else " " * 51
        )
        rot += f" {r['fwd_within_30deg_pct']:9.0f}"  # forward axis found within 30° (no-estimate counts as wrong)
        print(
            f"{name:22s} {r['trials']:6d} {r['ics']:5d} {r['F1']:6.3f} {r['ic_abs_ms']:11.1f} {r['ic_bias_ms']:8.1f} "
            f"{r['side_pct']:7.1f} {r['side_none_pct']:6.1f} {r['strides']:7d} {rot}"
        )


def run(sets: tuple[str, ...] = ("hamner2013", "fukuchi2017", "alcantara2022")) -> dict:
    root = data_root()
    if root is None:
        print("\nReal running: reference sets not found (see benchmarks/real_running/README.md); skipped")
        return {}
    out = {}
    for name in sets:
        g = evaluate(root, name)
        if g:
            print_table(name, g)
            out[name] = {k: v.row() for k, v in g.items()}
            out[f"{name} dynamics"] = print_dynamics_table(name, evaluate_dynamics(root, name))
    return out


if __name__ == "__main__":
    run(tuple(sys.argv[1:]) or ("hamner2013", "fukuchi2017", "alcantara2022"))


# --------------------------------------------------------------------------- running dynamics

DYN_METRICS = ("contact_ms", "vertical_oscillation_cm", "braking_mps", "pelvic_drop_deg", "tilt_range_deg")


def _signal(ref: dict, *names: str) -> tuple[np.ndarray, np.ndarray] | None:
    s = ref.get("signals") or {}
    for n in names:
        if n in s:
            return np.asarray(s["t_s"], float), np.asarray(s[n], float)
    return None


def reference_dynamics(ref: dict) -> dict[float, dict[str, float]]:
    """Per reference IC (s): contact time (ms; its first toe-off of the same foot before the
    next contact of that foot), pelvis vertical excursion to the next IC (cm), forward speed
    lost between IC and toe-off (m/s), swing-side drop during stance (deg); NaN where the
    reference lacks the signal."""
    ics = ref["ics"]
    tos = ref.get("tos", [])
    height = _signal(ref, "sacrum_height_m", "pelvis_height_m")
    vel = _signal(ref, "forward_velocity_mps")
    obl = _signal(ref, "obliquity_deg")
    out = {}
    for k, e in enumerate(ics):
        ic, side = e["t"], e["side"]
        same = [x["t"] for x in ics[k + 1 :] if x["side"] == side] if side else [x["t"] for x in ics[k + 1 :]]
        limit = same[0] if same else math.inf
        to = next((x["t"] for x in tos if x["t"] > ic and x["t"] < limit and x.get("side") == side), math.nan)
        nxt = ics[k + 1]["t"] if k + 1 < len(ics) else math.nan
        d = {
            "contact_ms": 1000.0 * (to - ic),
            "vertical_oscillation_cm": math.nan,
            "braking_mps": math.nan,
            "pelvic_drop_deg": math.nan,
        }
        if height is not None and math.isfinite(nxt):
            m = (height[0] >= ic) & (height[0] <= nxt)
            if m.sum() > 3:
                d["vertical_oscillation_cm"] = 100.0 * float(np.ptp(height[1][m]))
        if math.isfinite(to):
            m_st = None
            if vel is not None:
                m_st = (vel[0] >= ic) & (vel[0] <= to)
                if m_st.sum() > 3:
                    v0 = float(np.interp(ic, *vel))
                    d["braking_mps"] = max(0.0, v0 - float(vel[1][m_st].min()))
            if obl is not None and side in ("left", "right"):
                m_st = (obl[0] >= ic) & (obl[0] <= to)
                if m_st.sum() > 3:
                    o0, seg = float(np.interp(ic, *obl)), obl[1][m_st]
                    # obliquity > 0 = left side lower; left stance: the right (swing) side drops
                    d["pelvic_drop_deg"] = (
                        max(0.0, o0 - float(seg.min())) if side == "left" else max(0.0, float(seg.max()) - o0)
                    )
        out[ic] = d
    return out


def dynamics_errors(p: Pipeline, ref: dict) -> dict[str, list[tuple[float, float]]]:
    """(ours, reference) pairs per metric for the matched steps and strides of one trial."""
    pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    ref_dyn = reference_dynamics(ref)
    ref_t = np.array([e["t"] for e in ref["ics"]])
    ours = {d.t_s: d for d in p.dynamics}
    det_t = np.array([x.t_s for x in p.steps])
    for i, j in match(ref_t, det_t, TOL_S):
        d = ours.get(p.steps[j].t_s)
        if d is None:
            continue
        r = ref_dyn[ref["ics"][i]["t"]]
        for k in DYN_METRICS[:4]:
            a, b = getattr(d, k), r[k]
            if math.isfinite(a) and math.isfinite(b):
                pairs[k].append((a, b))
    tilt = _signal(ref, "tilt_deg")
    if tilt is not None and p.strides:
        st = np.array([x.t_s for x in p.strides])
        rs = ref.get("strides", [])
        for i, j in match(np.array([x["t_start"] for x in rs]), st, STRIDE_TOL_S):
            a = p.strides[j].tilt_range_deg
            b = detrended_range(tilt[0], tilt[1], rs[i]["t_start"], rs[i]["t_end"])
            if math.isfinite(a) and math.isfinite(b):
                pairs["tilt_range_deg"].append((a, b))
    return pairs


def evaluate_dynamics(root: Path, set_name: str) -> dict[str, dict[str, list]]:
    """Pairs per speed (and slope) and metric, upright mounting (the axes do not depend on it)."""
    groups: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for csv, ref in trials(root, set_name):
        t, acc, gyro = load_csv(csv)
        p = analyse(t, acc, gyro, np.eye(3))
        for k, v in dynamics_errors(p, ref).items():
            groups[group_key(set_name, ref)][k] += v
            groups["all"][k] += v
    return groups


def print_dynamics_table(set_name: str, groups: dict[str, dict[str, list]]) -> dict:
    print(f"\nRunning dynamics — {set_name}: ours vs reference per step (stride for tilt)")
    print(f"{'group':16s} {'metric':24s} {'n':>5s} {'ours':>7s} {'ref':>7s} {'bias':>7s} {'med|e|':>7s} {'p95|e|':>7s}")
    out = {}
    for name in sorted(groups, key=lambda k: (k == "all", k)):
        for k in DYN_METRICS:
            v = np.asarray(groups[name].get(k, []), float).reshape(-1, 2)
            if not len(v):
                continue
            e = v[:, 0] - v[:, 1]
            row = {
                "n": len(v),
                "ours": float(np.median(v[:, 0])),
                "ref": float(np.median(v[:, 1])),
                "bias": float(np.median(e)),
                "abs_med": float(np.median(np.abs(e))),
                "abs_p95": float(np.percentile(np.abs(e), 95)),
            }
            out[(name, k)] = row
            print(
                f"{name:16s} {k:24s} {row['n']:5d} {row['ours']:7.2f} {row['ref']:7.2f} {row['bias']:+7.2f} "
                f"{row['abs_med']:7.2f} {row['abs_p95']:7.2f}"
            )
    return out
