"""Hostile folders for the coach's view (issue 15): far-future time stamps, damaged or forged
sidecars and session caches, control characters, reports aimed at inputs, hostile runner settings.

Everything is generated in tmp_path (small). The CLI runs in a subprocess under a 2 GiB address-space
limit: it must exit 0 or 2 (never 3 or a traceback), within a time bound, and still list the good runs.
"""

from __future__ import annotations

import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from stridemon.coach.metrics import MAX_SEGMENTS
from stridemon.coach.runs import RunMeta
from stridemon.settings import RunnerSettings, load_runner, parse_json_object, runner_path, save_runner
from tests.conftest import ROOT
from tests.synth_run import synth_run, write_csv

MEM_LIMIT = 2 << 30  # bytes of address space for each CLI run
TIME_LIMIT_S = 30.0
CONTROL = "\x1b]0;pwned\x07\x1b[2J\r\x9b31m\u202e"  # title, clear screen, CR, 8-bit CSI, RTL override


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEM_LIMIT, MEM_LIMIT))


def cli(*args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, float]:
    """``python -m stridemon ARGS`` under the memory limit; (process, seconds)."""
    e = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    t0 = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "stridemon", *args],
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S * 2,
        env=e,
        preexec_fn=_limit_memory,
    )
    dt = time.monotonic() - t0
    assert p.returncode in (0, 2), f"exit {p.returncode}: {p.stderr[-2000:]}"
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr, p.stderr[-2000:]
    assert dt < TIME_LIMIT_S, f"{args}: {dt:.1f} s"
    return p, dt


def strict_json(text: str):
    """JSON as the interface promises it: no NaN or Infinity."""

    def bad(c):
        raise AssertionError(f"{c} in --json output")

    return json.loads(text, parse_constant=bad)


def _jump_csv(path: Path, jump_s: float | None = None, last_t: float | None = None) -> Path:
    write_csv(path, None, cadence_spm=170, duration_s=30, seed=5)
    lines = path.read_text().splitlines()
    n = len(lines) - 1
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        p = line.split(",")
        if jump_s is not None and i > n // 2:
            p[0] = repr(float(p[0]) + jump_s)
        if last_t is not None and i == n - 1:
            p[0] = repr(last_t)
        out.append(",".join(p))
    path.write_text("\n".join(out) + "\n")
    return path


def _jump_smrec(path: Path, jump_s: float = 1.7e9, metadata: dict | None = None) -> Path:
    """A recording whose device clock jumps by ``jump_s`` halfway (a device switching to UNIX time)."""
    from stridemon.samples import SampleBatch
    from stridemon.sinks.recorder import Recorder

    t, acc, gyro = synth_run(cadence_spm=170, duration_s=30, seed=6)
    t = t.copy()
    t[len(t) // 2 :] += jump_s
    with Recorder(path, metadata=metadata or {"runner": "Jo"}, overwrite=True) as rec:
        for i in range(0, len(t), 100):
            rec.write_batch(SampleBatch(t[i : i + 100], acc[i : i + 100], gyro[i : i + 100]))
    return path


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    """A private config folder (the cache key lives there) for the CLI runs."""
    return {"STRIDEMON_CONFIG_DIR": str(tmp_path_factory.mktemp("cfg"))}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two good runs and every kind of hostile file next to them."""
    d = tmp_path_factory.mktemp("hostile")
    write_csv(
        d / "good_a.csv",
        {"runner": "Ana", "tags": ["fresh"], "target_cadence_spm": 172},
        cadence_spm=170,
        duration_s=30,
        seed=1,
    )
    write_csv(d / "good_b.csv", {"runner": "Ana", "tags": ["tired"]}, cadence_spm=160, duration_s=30, seed=2)
    _jump_csv(d / "far_future.csv", last_t=1e300)
    _jump_csv(d / "clock_jump.csv", jump_s=1.7e9)
    _jump_smrec(d / "clock_jump.smrec", metadata={"runner": {"first": "Jo"}, "device": ["x"], "tags": "a,b"})
    sidecars = {
        "wrong_types.csv": {
            "runner": {"a": 1},
            "tags": [1, {}],
            "notes": ["x"],
            "target_cadence_spm": "fast",
            "rotation_budget_deg": True,
            "device": [],
            "markers": "lap",
        },
        "huge_ints.csv": '{"runner": "Hu", "target_cadence_spm": '
        + "9" * 400
        + ', "markers": [{"t_s": '
        + "1" * 400
        + "}]}",
        "non_finite.csv": '{"runner": "Nan", "target_cadence_spm": NaN, "rotation_budget_deg": Infinity, '
        '"markers": [{"t_s": -Infinity, "label": "x"}, {"t_s": 5, "label": "ok"}]}',
        "deep.csv": '{"runner": "Dee", "notes": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "control.csv": {"runner": "Eve" + CONTROL, "notes": "hi" + CONTROL, "tags": ["t" + CONTROL]},
        "long_key.csv": {"runner": "Kay", "k" * 300: 1, "markers": [{"t_s": 3.0}] * 20_000},
        "not_object.csv": "[1, 2, 3]",
        "binary.csv": b"\xff\xfe\x00garbage",
    }
    for name, side in sidecars.items():
        write_csv(d / name, None, cadence_spm=175, duration_s=20, seed=len(name))
        p = d / (name + ".meta.json")
        if isinstance(side, bytes):
            p.write_bytes(side)
        else:
            p.write_text(side if isinstance(side, str) else json.dumps(side))
    (d / "empty.csv").write_text("")
    (d / "broken.smrec").write_bytes(b"SMREC\x00" + os.urandom(2000))
    return d


GOOD = ("good_a.csv", "good_b.csv")


def _listing(p) -> dict[str, dict]:
    return {Path(e["path"]).name: e for e in strict_json(p.stdout)["sessions"]}


def test_hostile_folder_lists_every_good_run(folder, cfg):
    p, dt = cli("sessions", str(folder), "--json", "--quiet", env=cfg)
    assert p.returncode == 0
    s = _listing(p)
    for name in GOOD:
        assert s[name]["summary"]["steps"] > 50, s[name]
    assert abs(s["good_a.csv"]["summary"]["cadence_spm_median"] - 170) <= 1
    # Bad fields are left out, good ones kept, each said once in the warnings.
    w = s["wrong_types.csv"]
    assert w["meta"]["runner"] is None and w["meta"]["target_cadence_spm"] is None and w["summary"]["steps"] > 20
    assert any("target_cadence_spm" in x for x in w["warnings"])
    assert s["huge_ints.csv"]["meta"]["runner"] == "Hu" and s["huge_ints.csv"]["meta"]["target_cadence_spm"] is None
    nf = s["non_finite.csv"]["meta"]
    assert nf["runner"] == "Nan" and nf["target_cadence_spm"] is None and [m["label"] for m in nf["markers"]] == ["ok"]
    assert s["deep.csv"]["meta"]["runner"] == "Dee" and any("nested deeper" in x for x in s["deep.csv"]["warnings"])
    assert s["long_key.csv"]["meta"]["runner"] == "Kay" and len(s["long_key.csv"]["meta"]["markers"]) == 10_000
    for name in ("far_future.csv", "clock_jump.csv", "clock_jump.smrec", "not_object.csv", "binary.csv"):
        assert name in s
    assert s["empty.csv"]["error"] and s["broken.smrec"]["error"]
    print(f"\nsessions --json on {len(s)} files: {dt:.1f} s")

    # Text mode: nothing a terminal would obey.
    p, _ = cli("sessions", str(folder), "--quiet", env=cfg)
    assert p.returncode == 0 and "good_a.csv" in p.stdout and "Eve" in p.stdout
    for c in ("\x1b", "\x07", "\r", "\x9b", "\u202e"):
        assert c not in p.stdout, repr(c)


def test_compare_far_future_and_clock_jumps_finish(folder, cfg, tmp_path):
    for other in ("far_future.csv", "clock_jump.csv", "clock_jump.smrec"):
        out = tmp_path / f"{other}.html"
        p, dt = cli(
            "compare",
            str(folder / "good_a.csv"),
            str(folder / other),
            "--json",
            "--quiet",
            "--report",
            str(out),
            env=cfg,
        )
        assert p.returncode == 0, p.stderr
        doc = strict_json(p.stdout)
        assert all(len(r["segments"]["minutes"]) <= MAX_SEGMENTS for r in doc["runs"])
        assert doc["runs"][1]["ok"] and out.stat().st_size > 1000
        print(f"\ncompare good_a.csv {other}: {dt:.1f} s, {len(doc['runs'][1]['segments']['minutes'])} minute(s)")


def test_sessions_compare_over_the_hostile_folder(folder, cfg, tmp_path):
    out = tmp_path / "all.html"
    p, dt = cli("sessions", str(folder), "--compare", "--report", str(out), "--quiet", env=cfg)
    assert p.returncode == 0, p.stderr
    html = out.read_text()
    assert "good_a.csv" in html and "\x1b" not in html
    print(f"\nsessions --compare over the hostile folder: {dt:.1f} s")


# -- the session cache ----------------------------------------------------------------------------
@pytest.fixture
def small(tmp_path, monkeypatch):
    """A folder of one good run and a private config folder (the cache key)."""
    monkeypatch.setenv("STRIDEMON_CONFIG_DIR", str(tmp_path / "cfg"))
    from stridemon.coach import library

    monkeypatch.setattr(library, "_KEY", [])
    d = tmp_path / "runs"
    d.mkdir()
    write_csv(d / "run.csv", {"runner": "Ana", "target_cadence_spm": 172}, cadence_spm=170, duration_s=30, seed=1)
    return d


def _headlines(d: Path, monkeypatch) -> tuple[dict, list[str]]:
    from stridemon.coach import library

    analysed: list[str] = []
    real = library.load_runs
    monkeypatch.setattr(library, "load_runs", lambda ps, *a, **k: analysed.extend(ps) or real(ps, *a, **k))
    es = library.add_headlines(library.scan_folder(d))
    monkeypatch.setattr(library, "load_runs", real)
    return {Path(e.path).name: e for e in es}, analysed


def _cache(d: Path) -> dict:
    from stridemon.coach.library import CACHE_NAME

    return json.loads((d / CACHE_NAME).read_text())


def _write_cache_text(d: Path, text: str) -> None:
    from stridemon.coach.library import CACHE_NAME

    (d / CACHE_NAME).write_text(text)


@pytest.mark.parametrize(
    "damage",
    ["deep", "long_key", "non_finite", "huge_int", "wrong_types", "path_keys", "not_object", "binary"],
)
def test_damaged_cache_is_only_an_optimisation(small, monkeypatch, damage):
    first, analysed = _headlines(small, monkeypatch)
    assert analysed and first["run.csv"].summary["steps"] > 50
    good = first["run.csv"].summary
    entry = _cache(small)["files"]["run.csv"]
    text = {
        "deep": '{"version": 2, "files": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "long_key": json.dumps({"version": 2, "files": {"x" * 300: entry, "run.csv": entry}}),
        "non_finite": json.dumps({"files": {"run.csv": {**entry, "summary": {**entry["summary"], "steps": math.nan}}}}),
        "huge_int": json.dumps({"files": {"run.csv": entry}}).replace('"steps": ', '"steps": ' + "9" * 400 + ', "x": '),
        "wrong_types": json.dumps({"files": {"run.csv": {**entry, "warnings": "w", "meta": [1]}}}),
        "path_keys": json.dumps({"files": {"../../etc/passwd": entry, "a\x00b": entry, "run.csv": entry}}),
        "not_object": "[]",
        "binary": "\udcff",
    }[damage]
    if damage == "binary":
        from stridemon.coach.library import CACHE_NAME

        (small / CACHE_NAME).write_bytes(b"\xff\xfe{\x00")
    else:
        _write_cache_text(small, text)
    again, _ = _headlines(small, monkeypatch)
    assert again["run.csv"].summary == good  # re-analysed (or the untouched entry reused): real numbers
    json.dumps([e.to_dict() for e in again.values()], allow_nan=False)


def test_forged_cache_entry_is_not_shown(small, monkeypatch):
    """Whoever supplies a folder can reproduce size, mtime, code fingerprint and content hash; the
    MAC with this user's key they cannot: forged numbers are replaced by a fresh analysis."""
    first, _ = _headlines(small, monkeypatch)
    real = first["run.csv"].summary
    c = _cache(small)
    c["files"]["run.csv"]["summary"] = {**real, "cadence_spm_median": 999.0, "steps": 1}
    _write_cache_text(small, json.dumps(c))
    shown, analysed = _headlines(small, monkeypatch)
    assert shown["run.csv"].summary == real and analysed

    # A whole cache made elsewhere (another user's key, e.g. a folder sent by an athlete): re-analysed.
    from stridemon.coach import library

    monkeypatch.setattr(library, "_KEY", [b"k" * 32])
    c = _cache(small)
    entry = c["files"]["run.csv"]
    entry["summary"] = {**real, "cadence_spm_median": 999.0}
    entry["mac"] = library._mac("run.csv", entry)
    _write_cache_text(small, json.dumps(c))
    monkeypatch.setattr(library, "_KEY", [])
    shown, analysed = _headlines(small, monkeypatch)
    assert shown["run.csv"].summary == real and analysed

    # The same stamp (size, mtime) but other content: re-analysed.
    _headlines(small, monkeypatch)
    f = small / "run.csv"
    st = f.stat()
    data = bytearray(f.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")
    f.write_bytes(bytes(data))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    _, analysed = _headlines(small, monkeypatch)
    assert analysed == [str(f)]
    _, analysed = _headlines(small, monkeypatch)
    assert analysed == []  # and trusted again once this user wrote it


# -- reports never overwrite inputs --------------------------------------------------------------
def test_report_never_overwrites_an_input(folder, cfg, tmp_path):
    a, b = folder / "good_a.csv", folder / "good_b.csv"
    before = b.read_bytes()
    for target in (b, Path(str(b) + ".meta.json"), folder / "." / "good_b.csv"):
        p, _ = cli("compare", str(a), str(b), "--report", str(target), "--force", "--quiet", env=cfg)
        assert p.returncode == 2 and "inputs" in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    link = tmp_path / "alias.csv"
    os.link(b, link)
    p, _ = cli("compare", str(a), str(b), "--report", str(link), "--force", "--quiet", env=cfg)
    assert p.returncode == 2 and "inputs" in p.stderr
    assert b.read_bytes() == before
    p, _ = cli("sessions", str(folder), "--runner", "Ana", "--compare", "--report", str(b), "--force", env=cfg)
    assert p.returncode == 2 and b.read_bytes() == before

    existing = tmp_path / "old.html"
    existing.write_text("keep me")
    p, _ = cli("compare", str(a), str(b), "--report", str(existing), "--quiet", env=cfg)
    assert p.returncode == 2 and "--force" in p.stderr and existing.read_text() == "keep me"
    p, _ = cli("compare", str(a), str(b), "--report", str(existing), "--force", "--quiet", env=cfg)
    assert p.returncode == 0 and "<html" in existing.read_text().lower()

    for bad, word in ((tmp_path / "missing" / "r.html", "no such folder"), (tmp_path, "is a folder")):
        p, _ = cli("compare", str(a), str(b), "--report", str(bad), "--quiet", env=cfg)
        assert p.returncode == 2 and word in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    if os.geteuid() != 0:  # root writes into read-only folders
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        p, _ = cli("compare", str(a), str(b), "--report", str(ro / "r.html"), "--quiet", env=cfg)
        assert p.returncode == 2 and "cannot write" in p.stderr


# -- runner settings ----------------------------------------------------------------------------------
@pytest.fixture
def private_config(tmp_path, monkeypatch):
    monkeypatch.setenv("STRIDEMON_CONFIG_DIR", str(tmp_path))
    return tmp_path


def test_names_differing_in_non_ascii_letters_do_not_share_a_file(private_config):
    names = ["Zoë", "Zoé", "Zoe", "Zo", "zoë", "Zoë", "Zo\u0308e", "Ana María", "Ana_Mar_a", "../x", "", "runner"]
    paths = {n: runner_path(n) for n in names}
    assert paths["Zoë"] == paths["Zoë"]  # NFC: the same name typed two ways
    distinct = {n for n in names if n != "Zoë"}
    assert len({paths[n] for n in distinct}) == len(distinct)
    assert all(p.parent == private_config / "runners" and p.name.isascii() for p in paths.values())
    assert paths["Zoe"].name == "Zoe.json"  # plain ASCII names keep their old file name
    s = RunnerSettings(name="Zoë", target_offset_spm=3)
    save_runner(s)
    assert load_runner("Zoë").target_offset_spm == 3 and load_runner("Zoé").target_offset_spm == 0


def test_old_settings_files_still_found(private_config):
    d = private_config / "runners"
    d.mkdir()
    (d / "Anna.json").write_text(json.dumps({"name": "Anna", "target_offset_spm": 2}))
    (d / "Zo.json").write_text(json.dumps({"name": "Zoë", "target_offset_spm": 4}))  # the old shared name
    (d / "Ana_Mar_a.json").write_text(json.dumps({"name": "Ana María", "cooldown_s": 12}))
    assert load_runner("Anna").target_offset_spm == 2
    assert load_runner("Zoë").target_offset_spm == 4
    assert load_runner("Zoé").target_offset_spm == 0  # Zoë's old file is not Zoé's
    assert load_runner("Ana María").cooldown_s == 12
    save_runner(load_runner("Zoë"))
    assert runner_path("Zoë").exists() and load_runner("Zoë").target_offset_spm == 4


@pytest.mark.parametrize(
    "text",
    [
        '{"sound": "yes", "cooldown_s": NaN, "rotation_alert_n": ' + "9" * 400 + ', "target_offset_spm": 2}',
        '{"plan": "fast", "live": {"x": 1}, "replay": [1], "target_offset_spm": 2}',
        '{"plan": {"baseline_spm": "x", "start_date": 20250101, "every_weeks": 0}, "target_offset_spm": 2}',
        '{"target_offset_spm": 2, "notes": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"rotation_alert_n": 9, "rotation_alert_m": 3, "torso_half_width_cm": -1, "target_offset_spm": 2}',
    ],
)
def test_hostile_settings_keep_good_fields(private_config, text, caplog):
    p = runner_path("bo")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    s = load_runner("bo")
    d = RunnerSettings(name="bo")
    assert s.target_offset_spm == 2
    assert s.rotation_alert_n <= s.rotation_alert_m and s.sound in (True, False)
    assert s.plan == d.plan or s.plan.baseline_spm is None
    json.dumps(s.to_dict(), allow_nan=False)  # saveable
    s.target_cadence_spm()  # usable by the dashboard and the alert engine
    assert caplog.records, "each bad field is logged"


def test_replay_with_hostile_settings(private_config, tmp_path):
    """The dashboard with a runner whose settings file has wrong types (was: exit 3, TypeError)."""
    p = runner_path("bo")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text('{"target_offset_spm": "x", "plan": {"baseline_spm": "fast", "cap_spm": [1]}, "sound": 3}')
    run = write_csv(tmp_path / "r.csv", None, duration_s=10, seed=3)
    env = {"STRIDEMON_CONFIG_DIR": str(private_config), "STRIDEMON_AUDIO": "none", "QT_QPA_PLATFORM": "offscreen"}
    proc, _ = cli("replay", str(run), "--speed", "max", "--seconds", "3", "--runner", "bo", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "target_offset_spm" in proc.stderr  # the bad field is said, once


# -- properties ----------------------------------------------------------------------------------------
def _random_value(rng: random.Random, depth: int = 0):
    k = rng.randrange(12 if depth < 4 else 10)
    if k == 10:
        return {str(rng.random()): _value(rng, depth + 1) for _ in range(rng.randrange(3))}
    if k == 11:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return (
        None,
        True,
        lambda: rng.randint(-10, 400),
        lambda: rng.uniform(-1e3, 1e3),
        math.nan,
        math.inf,
        -math.inf,
        lambda: 10 ** rng.randint(20, 400),
        lambda: "".join(chr(rng.randrange(0, 0x2FFF)) for _ in range(rng.randrange(8))),
        lambda: "x" * rng.randrange(0, 20_000),
    )[k]


def _value(rng: random.Random, depth: int = 0):
    v = _random_value(rng, depth)
    return v() if callable(v) else v


def test_property_metadata_and_settings_never_raise():
    rng = random.Random(15)
    keys = [
        "runner",
        "tags",
        "notes",
        "target_cadence_spm",
        "rotation_budget_deg",
        "device",
        "title",
        "recorded_at",
        "markers",
        "target_cadence",
        "rotation_budget",
    ]
    skeys = [*RunnerSettings.__dataclass_fields__, "plan"]
    for _ in range(1500):
        d = {k: _value(rng) for k in rng.sample(keys, rng.randrange(len(keys)))}
        if rng.random() < 0.3:
            d["markers"] = [{"t_s": _value(rng, 2), "label": _value(rng, 2)} for _ in range(3)]
        meta, problems = RunMeta.parse(d)
        json.dumps(meta.to_dict(), allow_nan=False)
        assert all(isinstance(p, str) and len(p) < 400 for p in problems)
        sd = {k: _value(rng) for k in rng.sample(skeys, rng.randrange(len(skeys)))}
        if rng.random() < 0.5:
            sd["plan"] = {k: _value(rng, 1) for k in ("baseline_spm", "start_date", "every_weeks", "cap_spm")}
        s = RunnerSettings.from_dict(sd, [])
        json.dumps(s.to_dict(), allow_nan=False)
        assert math.isfinite(s.target_cadence_spm())


def test_property_depth_safe_json():
    rng = random.Random(7)
    base = json.dumps({"runner": "a", "tags": ["x", "y"], "notes": 'q"{[\\', "markers": [{"t_s": 1}]})
    for _ in range(1500):
        t = list(base)
        for _ in range(rng.randrange(1, 4)):
            i = rng.randrange(len(t))
            op = rng.randrange(3)
            if op == 0:
                t.insert(i, rng.choice('[]{}",:\\') * rng.randrange(1, 60))
            elif op == 1:
                del t[i]
            else:
                t[i] = chr(rng.randrange(0, 0x10FFFF)) if rng.random() < 0.2 else rng.choice("[{")
        text = "".join(t)
        try:
            obj, problems = parse_json_object(text)
        except ValueError:
            continue
        assert isinstance(obj, dict) and isinstance(problems, list)
    deep = '{"a": 1, "b": ' + "{" * 200_000 + "}" * 200_000 + ', "c": [[["ok"]]]}'
    t0 = time.perf_counter()
    obj, problems = parse_json_object(deep)
    assert obj == {"a": 1, "c": [[["ok"]]]} and len(problems) == 1 and time.perf_counter() - t0 < 2
    with pytest.raises(ValueError):
        parse_json_object("[" * 100_000 + "]" * 100_000)


def test_segments_bounded_by_data_not_clock():
    from stridemon.coach.metrics import minute_segments
    from stridemon.coach.runs import RunData
    from stridemon.events import Step

    steps = [Step(float(t), "left", 170.0) for t in np.arange(0, 30, 0.35)] + [Step(1e300, "left", 170.0)]
    r = RunData(path="x.csv", steps=steps, first_t_s=0.0, last_t_s=1e300, samples=10)
    t0 = time.perf_counter()
    segs = minute_segments(r)
    assert len(segs) == 2 and time.perf_counter() - t0 < 1  # the minutes with steps: the first and the last
    r = RunData(
        path="x.csv",
        steps=[Step(m * 60.0 + 1, "left", 170.0) for m in range(0, 100_000, 7)],
        first_t_s=0.0,
        last_t_s=6e6,
        samples=10,
    )
    assert len(minute_segments(r)) == MAX_SEGMENTS
