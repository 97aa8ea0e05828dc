# ruff: noqa: E501  (long lines of the README tables read better unwrapped)
"""Real sacral-accelerometer running trials with force-plate initial contacts (Alcantara et al. 2022).

Source
------
Alcantara RS, Edwards WB, Millet GY, Grabowski AM. "Predicting continuous ground reaction forces
from accelerometers during uphill and downhill running: a recurrent neural network solution."
PeerJ 10:e12752, 2022. doi:10.7717/peerj.12752 (PMID 35036107).

Files from the public GitHub repository ``alcantarar/Recurrent_GRF_Prediction`` (commit
8f21836746b4e791e8e9314d041bb8e09641dd1d, 2022-01-13), licensed under the Apache License 2.0
(its ``LICENSE`` file; the appendix copyright line there is the unfilled template
"Copyright [yyyy] [name of copyright owner]" and there is no NOTICE file). The data are by
Ryan S. Alcantara and co-authors; a copy of the licence is written next to the derived files
(``alcantara2022/LICENSE-Apache-2.0.txt``). The derived files are MODIFIED versions of the
originals (re-formatted, re-scaled, split per trial; force replaced by event times), as stated
in ``alcantara2022/README.md`` (Apache-2.0 section 4(b)).

* ``data/Accelerometer_one_sub.csv``  31 rows (trials) x 4960, no header. Columns 0-2479:
  sacral vertical acceleration [g], columns 2480-4959: sacral anteroposterior acceleration [g];
  the split ``X[:, 0:2480]`` = vertical, ``X[:, 2480:4960]`` = AP is the one in the repository's
  ``LSTM_Example.ipynb`` (``train_X_V = train_X[:,0:l]``, ``l = 2480``).
* ``data/GRF_one_sub.csv``            31 x 2480, normal (perpendicular to the belt) ground
  reaction force [body weights], the same frames as the accelerometer rows.
* ``data/Sub_Info_one_sub.csv``       per trial: Speed [m/s], Slope [deg], RFS/MFS/FFS [% of
  foot strikes], subject 2 (male, 173 cm, 76.8 kg).

What the source did to the signals (paper, Methods; repository ``Test_LSTM.ipynb``)
-----------------------------------------------------------------------------------
Force treadmill (Bertec, 2000 Hz) and custom biaxial accelerometers (2000 Hz) taped on the
sacrum (and two on the right shoe, used only to classify foot strike). 5 s per trial analysed,
down-sampled to 500 Hz. Force: normalised to body weight, 4th-order low-pass Butterworth 30 Hz.
Accelerations: 4th-order low-pass Butterworth 20 Hz (``pre_processing.buttfilt``: zero-lag
filtfilt with a cut-off correction), then every NEGATIVE vertical value set to 0 (flight phase;
"to help the LSTM avoid negative GRF predictions"). The axes are the sensor's own ("vertical and
anteroposterior relative to the local coordinate system"), not gravity-aligned, and gravity is
included: the vertical reads ~0 g in flight (free fall) and averages ~1.0-1.26 g over a trial
(above 1 partly because the negative flight values were clipped up to 0). The paper says 2500
frames per trial; these files have 2480 (how the 20 frames were dropped is not stated).

What this script writes (``alcantara2022/``)
--------------------------------------------
* ``trialNN_<speed>mps_<slope>deg_sacrum.csv.gz``: stridemon's accelerometer-only plain IMU CSV,
  header ``t_s,ax,ay,az``, 500 Hz, t_s from 0 (s), accelerations in m/s^2 with gravity:
  ``az = vertical_g * 9.80665`` (clipped at 0 as in the source: kept as is),
  ``ax = anteroposterior_g * 9.80665`` with + = anterior (forward) -- inferred, see below,
  ``ay = 0`` (the mediolateral axis was not measured). 5 decimals. NN = 1-based row of the source
  files. Gzip written with mtime 0 so rebuilds are byte-identical.
* ``trialNN_..._ref.json``: reference initial contacts (ICs) and toe-offs (TOs) from the force.
* ``README.md`` with the trial table and quick facts; ``LICENSE-Apache-2.0.txt``.

Sign of the AP axis (+ = forward): inferred from the data, not documented by the source. In
every trial the AP signal minus its trial mean is negative in the first half of stance
(braking) and positive in the second half (propulsion), and its trial mean (gravity seen by a
forward-tilted sensor) is more negative uphill (-0.5..-0.6 g at +10 deg) than downhill
(-0.1..-0.2 g at -10 deg), as a forward lean would give with + = anterior.

Reference events
----------------
IC = upward crossing of ``IC_THRESHOLD_BW`` = 0.05 BW by the normal force, TO = downward
crossing, both linearly interpolated between samples. 0.05 BW is the stance threshold used by
the source paper itself (contact time "when the normal GRF was greater than 5% BW") and is
inside the usual force-plate range of 20-50 N (0.03-0.07 BW for this 76.8 kg runner: 0.05 BW =
37.7 N). Between contacts the filtered force rings by about +-0.06 BW (belt/plate vibration
after the 30 Hz filter), so a bare crossing also fires on flight-phase bumps a few tens of ms
before some real contacts. A candidate contact (up-crossing to the next down-crossing) is
therefore kept only if it lasts >= ``MIN_CONTACT_S`` (80 ms) and peaks >= ``MIN_PEAK_BW``
(0.5 BW); a contact still under way at the end of the file is kept if it has reached 0.5 BW
(it then has no TO). A contact already under way at the file start (force >= threshold at
sample 0) is not counted, nor its TO. Sides are unknown (one force for both feet): ``side`` is
null.

Quick facts (README)
--------------------
Vertical acceleration smoothed by a zero-phase Gaussian of sigma = 30 ms (the same kernel as
``stridemon.dsp.filters.gaussian_kernel``, +-3 sigma, and the sigma of stridemon's slope
filter), its derivative taken with the derivative-of-Gaussian kernel. For each reference IC:
the time of the maximum slope within +-120 ms of the IC, and the time of the last local minimum
of the smoothed signal before that (searched back 200 ms), both relative to the IC [ms, + = after
the force IC]. Medians per speed x slope. ICs whose +-120 ms window reaches into the first or
last 90 ms (3 sigma) of a trial are skipped (edge effects); the minimum search stops there too.

Usage::

    .venv/bin/python benchmarks/real_running/build_alcantara.py            # from the git mirror
    .venv/bin/python benchmarks/real_running/build_alcantara.py --src DIR  # DIR holds the 3 CSVs
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
from collections import defaultdict
from pathlib import Path

import numpy as np

G_MPS2 = 9.80665
RATE_HZ = 500.0
N_FRAMES = 2480
IC_THRESHOLD_BW = 0.05
MIN_CONTACT_S = 0.080
MIN_PEAK_BW = 0.5
SMOOTH_SIGMA_S = 0.030
RISE_SEARCH_S = 0.120
MIN_SEARCH_BACK_S = 0.200

REPO = "alcantarar/Recurrent_GRF_Prediction"
COMMIT = "8f21836746b4e791e8e9314d041bb8e09641dd1d"
MIRROR = Path("/work/.mirror/alcantarar+Recurrent_GRF_Prediction/repo")
HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1].parent / "real_running" / "alcantara2022"  # beside the checkout: data stay out of the repo
SOURCE_FILES = ("data/Accelerometer_one_sub.csv", "data/GRF_one_sub.csv", "data/Sub_Info_one_sub.csv", "LICENSE")


def read_source(name: str, src: Path | None) -> str:
    """Text of one source file: from ``src`` if given, else ``git show COMMIT:name`` in the mirror."""
    if src is not None:
        return (src / Path(name).name).read_text()
    return subprocess.run(
        ["git", "-C", str(MIRROR), "show", f"{COMMIT}:{name}"], check=True, capture_output=True, text=True
    ).stdout


def load(src: Path | None):
    acc_g = np.loadtxt(io.StringIO(read_source(SOURCE_FILES[0], src)), delimiter=",")
    grf_bw = np.loadtxt(io.StringIO(read_source(SOURCE_FILES[1], src)), delimiter=",")
    lines = read_source(SOURCE_FILES[2], src).strip().splitlines()
    head = lines[0].split(",")
    info = [dict(zip(head, ln.split(","), strict=True)) for ln in lines[1:]]
    assert acc_g.shape == (31, 2 * N_FRAMES) and grf_bw.shape == (31, N_FRAMES) and len(info) == 31
    return acc_g[:, :N_FRAMES], acc_g[:, N_FRAMES:], grf_bw, info


def crossings(x: np.ndarray, thr: float):
    """Interpolated up- and down-crossings of ``thr``: lists of (sample index before, time s)."""
    up, dn = [], []
    for i in np.nonzero((x[:-1] < thr) & (x[1:] >= thr))[0]:
        up.append((int(i), (i + (thr - x[i]) / (x[i + 1] - x[i])) / RATE_HZ))
    for i in np.nonzero((x[:-1] >= thr) & (x[1:] < thr))[0]:
        dn.append((int(i), (i + (x[i] - thr) / (x[i] - x[i + 1])) / RATE_HZ))
    return up, dn


def force_events(grf_bw: np.ndarray, thr: float = IC_THRESHOLD_BW):
    """Contacts as (ic_s, to_s or None, peak_bw). See the module docstring for the rules."""
    up, dn = crossings(grf_bw, thr)
    contacts = []
    for i_up, t_up in up:
        later = [(i, t) for i, t in dn if i >= i_up]
        if later:
            i_dn, t_dn = later[0]
            peak = float(grf_bw[i_up : i_dn + 2].max())
            if t_dn - t_up >= MIN_CONTACT_S and peak >= MIN_PEAK_BW:
                contacts.append((t_up, t_dn, peak))
        else:  # still in contact at the file end
            peak = float(grf_bw[i_up:].max())
            if peak >= MIN_PEAK_BW:
                contacts.append((t_up, None, peak))
    return contacts


def gaussian_kernel(sigma_s: float, rate_hz: float, derivative: bool = False) -> np.ndarray:
    """Same as stridemon.dsp.filters.gaussian_kernel: unit-gain Gaussian or d/dt (1/s), +-3 sigma."""
    sigma = sigma_s * rate_hz
    half = max(int(np.ceil(3.0 * sigma)), 1)
    n = np.arange(-half, half + 1, dtype=np.float64)
    g = np.exp(-0.5 * (n / sigma) ** 2)
    if not derivative:
        return g / g.sum()
    h = -n * g
    return h / float(np.sum(n * n * g)) * rate_hz


def rise_and_min(v_g: np.ndarray, ics_s: list[float]):
    """Per IC: (steepest-rise time - IC, preceding local-minimum time - IC) in ms, or None near edges."""
    k = gaussian_kernel(SMOOTH_SIGMA_S, RATE_HZ)
    kd = gaussian_kernel(SMOOTH_SIGMA_S, RATE_HZ, derivative=True)
    sm = np.convolve(v_g, k, mode="same")  # symmetric kernels: zero phase
    sl = np.convolve(v_g, kd, mode="same")  # g/s
    half = len(k) // 2
    out = []
    for t_ic in ics_s:
        i_ic = t_ic * RATE_HZ
        lo, hi = int(np.floor(i_ic - RISE_SEARCH_S * RATE_HZ)), int(np.ceil(i_ic + RISE_SEARCH_S * RATE_HZ))
        if lo < half or hi > len(v_g) - 1 - half:
            out.append(None)
            continue
        i_rise = lo + int(np.argmax(sl[lo : hi + 1]))
        j = i_rise  # walk back to where the slope turns from negative to non-negative
        while j > max(half, i_rise - int(MIN_SEARCH_BACK_S * RATE_HZ)) and sl[j - 1] >= 0:
            j -= 1
        i_min = j if j > half and sl[j - 1] < 0 else None
        out.append(
            ((i_rise - i_ic) / RATE_HZ * 1e3, None if i_min is None else (i_min - i_ic) / RATE_HZ * 1e3, sm[i_rise])
        )
    return out


def xcorr_lag_ms(v_g: np.ndarray, grf_bw: np.ndarray, max_lag: int = 40) -> float:
    """Lag [ms] maximising the correlation of v(t) with F(t - lag): + = acceleration later than force.

    Vertical specific force at the body's centre of mass in g equals the vertical force in BW, so a
    sacral accelerometer should track the force with ~0 lag if the two are synchronous.
    Sub-sample by a parabola through the peak.
    """
    v = v_g - v_g.mean()
    f = grf_bw - grf_bw.mean()
    lags = np.arange(-max_lag, max_lag + 1)
    n = len(v)
    cc = np.array([np.dot(v[max_lag : n - max_lag], f[max_lag - k : n - max_lag - k]) for k in lags])
    i = int(np.argmax(cc))
    d = 0.0
    if 0 < i < len(cc) - 1:
        d = 0.5 * (cc[i - 1] - cc[i + 1]) / (cc[i - 1] - 2 * cc[i] + cc[i + 1])
    return float((lags[i] + d) / RATE_HZ * 1e3)


def stem(n: int, speed: float, slope: float) -> str:
    return f"trial{n:02d}_{speed:.2f}mps_{int(round(slope)):+d}deg"


def write_csv_gz(path: Path, v_g: np.ndarray, ap_g: np.ndarray) -> None:
    t = np.arange(len(v_g)) / RATE_HZ
    rows = ["t_s,ax,ay,az"]
    rows += [f"{ti:.5f},{ax:.5f},0.00000,{az:.5f}" for ti, ax, az in zip(t, ap_g * G_MPS2, v_g * G_MPS2, strict=True)]
    data = ("\n".join(rows) + "\n").encode()
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as f:
        f.write(data)


def foot_strike(row: dict) -> dict:
    pct = {k: round(float(row[k]), 2) for k in ("RFS", "MFS", "FFS")}
    names = {"RFS": "rearfoot", "MFS": "midfoot", "FFS": "forefoot"}
    top = max(pct, key=pct.get)
    label = names[top] if pct[top] == 100 else f"mostly {names[top]}" if pct[top] >= 50 else "mixed"
    return {"rearfoot_pct": pct["RFS"], "midfoot_pct": pct["MFS"], "forefoot_pct": pct["FFS"], "label": label}


def med(xs):
    xs = [x for x in xs if x is not None]
    return (float(np.median(xs)), len(xs)) if xs else (float("nan"), 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", type=Path, help="directory with the three source CSVs and LICENSE (default: git mirror)")
    args = ap.parse_args()
    v_all, ap_all, grf_all, info = load(args.src)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "LICENSE-Apache-2.0.txt").write_text(read_source("LICENSE", args.src))

    table, groups = [], defaultdict(lambda: defaultdict(list))
    for r in range(31):
        n, speed, slope = r + 1, float(info[r]["Speed"]), float(info[r]["Slope"])
        name = stem(n, speed, slope)
        v, a, f = v_all[r], ap_all[r], grf_all[r]
        write_csv_gz(OUT / f"{name}_sacrum.csv.gz", v, a)
        contacts = force_events(f)
        ics = [c[0] for c in contacts]
        tos = [c[1] for c in contacts if c[1] is not None]
        ref = {
            "trial": n,
            "speed_mps": speed,
            "slope_deg": slope,
            "foot_strike": foot_strike(info[r]),
            "rate_hz": int(RATE_HZ),
            "ics": [{"t": round(t, 5), "side": None} for t in ics],
            "tos": [{"t": round(t, 5), "side": None} for t in tos],
            "ic_threshold_bw": IC_THRESHOLD_BW,
            "imu_file": f"{name}_sacrum.csv.gz",
            "source": f"github.com/{REPO}@{COMMIT[:7]} data/*_one_sub.csv row {r} (0-based); Alcantara et al. 2022 PeerJ 10:e12752; Apache-2.0",
            "notes": "normal GRF (perpendicular to the belt), 30 Hz low-pass, 0.05 BW threshold, linear interpolation; "
            "contact in progress at t=0 not counted; contacts < 80 ms or < 0.5 BW peak rejected (flight-phase ringing); "
            "tos[k] ends ics[k] (the last IC may have no TO); sides unknown",
        }
        (OUT / f"{name}_ref.json").write_text(json.dumps(ref, indent=1) + "\n")
        ct = [(c[1] - c[0]) * 1e3 for c in contacts if c[1] is not None]
        steps = np.diff(ics) * 1e3
        rm = rise_and_min(v, ics)
        key = (speed, slope)
        g = groups[key]
        g["rise"] += [x[0] for x in rm if x]
        g["min"] += [x[1] for x in rm if x]
        g["ct"] += ct
        g["step"] += list(steps)
        g["trials"].append(n)
        g["clip"].append(float(np.mean(v == 0)))
        g["lag"].append(xcorr_lag_ms(v, f))
        table.append(
            (
                n,
                speed,
                slope,
                foot_strike(info[r])["label"],
                len(ics),
                len(tos),
                np.median(ct),
                np.median(steps),
                float(np.mean(v == 0)) * 100,
                float(f[0]) >= IC_THRESHOLD_BW,
            )
        )

    lines = [
        "| trial | speed m/s | slope ° | foot strike | n ICs | n TOs | median contact ms | median step ms | vertical = 0 (%) | starts in stance |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, sp, sl, fs, ni, nt, ct, st, cl, ins in table:
        lines.append(
            f"| {n:02d} | {sp:.2f} | {sl:+.0f} | {fs} | {ni} | {nt} | {ct:.0f} | {st:.0f} | {cl:.1f} | {'yes' if ins else 'no'} |"
        )
    lines.append(f"| all | | | | {sum(t[4] for t in table)} | {sum(t[5] for t in table)} | | | | |")
    (OUT / "trials_table.md").write_text("\n".join(lines) + "\n")

    facts = [
        "| speed m/s | slope ° | trials | n ICs | steepest rise − IC, median ms [IQR] | local min − IC, median ms [IQR] | contact time median ms | step time median ms | accel-vs-force xcorr lag ms (per trial) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key in sorted(groups):
        g = groups[key]
        r = [x for x in g["rise"] if x is not None]
        m = [x for x in g["min"] if x is not None]
        facts.append(
            f"| {key[0]:.2f} | {key[1]:+.0f} | {','.join(f'{t:02d}' for t in g['trials'])} | {len(r)} | {np.median(r):+.0f} [{np.percentile(r, 25):+.0f}, {np.percentile(r, 75):+.0f}] | "
            f"{np.median(m):+.0f} [{np.percentile(m, 25):+.0f}, {np.percentile(m, 75):+.0f}] | {np.median(g['ct']):.0f} | {np.median(g['step']):.0f} | {', '.join(f'{x:+.1f}' for x in g['lag'])} |"
        )
    allr = [x for g in groups.values() for x in g["rise"] if x is not None]
    allm = [x for g in groups.values() for x in g["min"] if x is not None]
    allct = [x for g in groups.values() for x in g["ct"]]
    facts.append(
        f"| all | all | 31 | {len(allr)} | {np.median(allr):+.0f} [{np.percentile(allr, 25):+.0f}, {np.percentile(allr, 75):+.0f}] | {np.median(allm):+.0f} [{np.percentile(allm, 25):+.0f}, {np.percentile(allm, 75):+.0f}] | {np.median(allct):.0f} | | {np.median([x for g in groups.values() for x in g['lag']]):+.1f} (median) |"
    )
    (OUT / "facts_table.md").write_text("\n".join(facts) + "\n")
    print("\n".join(lines))
    print()
    print("\n".join(facts))


if __name__ == "__main__":
    main()
