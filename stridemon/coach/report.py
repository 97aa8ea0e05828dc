"""The coach's report: one self-contained HTML file (inline CSS and SVG figures, no external URLs).

    html = report_html(compare_runs(runs))

Sections: a plain-language verdict (which run is better on cadence and rotation, and whether
the difference is beyond stride-to-stride variability), the headline table, the runs and their
metadata, timelines (elapsed time and 0–100 % of the run), distributions, per-minute and
per-lap tables, problems (damaged files), and how the numbers are made.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape as _html_escape
from pathlib import Path
from typing import Any

import numpy as np

from stridemon import __version__
from stridemon.coach.comparison import Comparison, headline
from stridemon.coach.differences import METHOD, Difference
from stridemon.coach.runs import letter
from stridemon.coach.view import HEAD_ROWS, color, head_cell, run_series, targets, value_text

_CLIP_IDS = itertools.count(1)


# Text from files (runner names, notes, file names) may hold terminal controls, bidirectional
# overrides or NULs: invalid in HTML and misleading when shown. They are dropped before escaping.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def escape(text: Any, quote: bool = True) -> str:
    """HTML-escaped ``text`` without control or bidirectional-override characters."""
    return _html_escape(_CONTROLS.sub("", str(text)), quote)


# -- SVG figures ---------------------------------------------------------------------------------
def _nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + k * step, 10) for k in range(int((hi - first) / step + 1e-9) + 1)]


def _fmt_tick(v: float) -> str:
    return f"{v:g}" if abs(v) >= 1e-9 else "0"


def svg_plot(
    series: Sequence[tuple[np.ndarray, np.ndarray, str, str]],
    title: str,
    xlabel: str,
    ylabel: str,
    hlines: Sequence[tuple[float, str, str]] = (),
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    step: bool = False,
    width: int = 560,
    height: int = 260,
    max_points: int = 800,
) -> str:
    """A line chart as inline SVG. ``series``: (x, y, colour, name); ``hlines``: (y, colour, label)."""
    ml, mr, mt, mb = 52, 12, 40, 40
    pw, ph = width - ml - mr, height - mt - mb
    xs = [np.asarray(s[0], float) for s in series if len(s[0])]
    ys = [np.asarray(s[1], float) for s in series if len(s[1])]
    if xlim is None:
        xlim = (min(float(x.min()) for x in xs), max(float(x.max()) for x in xs)) if xs else (0.0, 1.0)
    if ylim is None:
        vals = [*(float(np.nanmin(y)) for y in ys), *(h[0] for h in hlines)]
        vals_hi = [*(float(np.nanmax(y)) for y in ys), *(h[0] for h in hlines)]
        lo, hi = (min(vals), max(vals_hi)) if vals else (0.0, 1.0)
        pad = max(0.08 * (hi - lo), 0.5)
        ylim = (lo - pad, hi + pad)
    x0, x1 = xlim
    y0, y1 = ylim
    if x1 <= x0:
        x1 = x0 + 1
    if y1 <= y0:
        y1 = y0 + 1

    def X(v: np.ndarray | float) -> np.ndarray | float:
        return ml + (np.asarray(v) - x0) / (x1 - x0) * pw

    def Y(v: np.ndarray | float) -> np.ndarray | float:
        return mt + ph - (np.asarray(v) - y0) / (y1 - y0) * ph

    out = [
        f'<svg class="fig" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{ml}" y="17" class="t">{escape(title)}</text>',
        f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fff" stroke="#bbb"/>',
    ]
    for v in _nice_ticks(y0, y1, 5):
        y = float(Y(v))
        out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{ml - 5}" y="{y + 4:.1f}" class="k" text-anchor="end">{_fmt_tick(v)}</text>')
    for v in _nice_ticks(x0, x1, 6):
        x = float(X(v))
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{mt}" y2="{mt + ph}" stroke="#f2f2f2"/>')
        out.append(f'<text x="{x:.1f}" y="{mt + ph + 15}" class="k" text-anchor="middle">{_fmt_tick(v)}</text>')
    out.append(f'<text x="{ml + pw / 2}" y="{height - 6}" class="k" text-anchor="middle">{escape(xlabel)}</text>')
    out.append(
        f'<text x="13" y="{mt + ph / 2}" class="k" text-anchor="middle" '
        f'transform="rotate(-90 13 {mt + ph / 2})">{escape(ylabel)}</text>'
    )
    cid = f"clip{next(_CLIP_IDS)}"
    out.append(f'<clipPath id="{cid}"><rect x="{ml}" y="{mt}" width="{pw}" height="{ph}"/></clipPath>')
    out.append(f'<g clip-path="url(#{cid})">')
    for yv, col, label in hlines:
        y = float(Y(yv))
        out.append(
            f'<line x1="{ml}" x2="{ml + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="{col}" stroke-dasharray="6 4"/>'
            f'<text x="{ml + pw - 4}" y="{y - 4:.1f}" class="k" text-anchor="end" fill="{col}">{escape(label)}</text>'
        )
    for x, y, col, _name in series:
        x, y = np.asarray(x, float), np.asarray(y, float)
        if not len(x):
            continue
        if len(x) > max_points:
            k = math.ceil(len(x) / max_points)
            x, y = x[::k], y[::k]
        if step:
            xx = np.repeat(x, 2)[1:]
            yy = np.repeat(y, 2)[:-1]
            x, y = xx, yy
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(X(x), Y(y), strict=True))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{col}" stroke-width="2" stroke-linejoin="round"/>')
    out.append("</g>")
    # legend: one row under the title, outside the plot area
    lx = ml
    for _x, _y, col, name in series:
        out.append(
            f'<line x1="{lx}" x2="{lx + 16}" y1="{mt - 5}" y2="{mt - 5}" stroke="{col}" stroke-width="3"/>'
            f'<text x="{lx + 20}" y="{mt - 1}" class="k">{escape(name)}</text>'
        )
        lx += 28 + 6.2 * len(name)
    out.append("</svg>")
    return "".join(out)


def _hist(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    h, _ = np.histogram(values, edges)
    return 100.0 * h / max(1, len(values))


def figures(cmp: Comparison) -> dict[str, str]:
    """The report's SVG figures by name: cadence/rotation over elapsed time and % of run, distributions."""
    figs: dict[str, str] = {}
    target_cadences, budgets = targets(cmp)
    t_lines = [(t, "#555", f"target {t:g} spm") for t in target_cadences]
    b_lines = [(b, "#555", f"budget {b:g}°") for b in budgets]
    runs = run_series(cmp)
    cad_e = [(r.cadence_min, r.cadence_spm, r.color, r.legend) for r in runs]
    cad_n = [(r.cadence_pct, r.cadence_spm, r.color, r.legend) for r in runs]
    rot_e = [(r.rotation_min, r.rotation_deg, r.color, r.legend) for r in runs]
    rot_n = [(r.rotation_pct, r.rotation_deg, r.color, r.legend) for r in runs]
    figs["cadence_elapsed"] = svg_plot(
        cad_e, "Cadence over the run (10-s median)", "elapsed time (min)", "cadence (spm)", t_lines
    )
    figs["cadence_normalised"] = svg_plot(
        cad_n, "Cadence, runs stretched to the same length", "% of run", "cadence (spm)", t_lines, xlim=(0, 100)
    )
    figs["rotation_elapsed"] = svg_plot(
        rot_e, "Rotation per stride over the run (5-stride median)", "elapsed time (min)", "rotation (°)", b_lines
    )
    figs["rotation_normalised"] = svg_plot(
        rot_n, "Rotation, runs stretched to the same length", "% of run", "rotation (°)", b_lines, xlim=(0, 100)
    )
    cads = {r.index: r.steps_spm for r in runs}
    rots = {r.index: r.strides_deg for r in runs}
    legends = {r.index: r.legend for r in runs}
    for key, data, unit, lines, title, w in (
        ("cadence_distribution", cads, "cadence (spm)", t_lines, "Cadence of every step", 1.0),
        ("rotation_distribution", rots, "rotation (°)", b_lines, "Rotation of every stride", 0.25),
    ):
        allv = np.concatenate([v for v in data.values() if len(v)]) if any(len(v) for v in data.values()) else None
        if allv is None:
            figs[key] = svg_plot([], title, unit, "% of steps", lines)
            continue
        lo, hi = np.percentile(allv, [0.5, 99.5])
        lo, hi = math.floor(lo / w) * w - w, math.ceil(hi / w) * w + w
        edges = np.arange(lo, hi + w, w)
        series = [(edges, np.append(_hist(v, edges), 0.0), color(i), legends[i]) for i, v in data.items()]
        ylabel = "% of steps" if key.startswith("cadence") else "% of strides"
        top = max(float(s[1].max()) for s in series)
        vlines = [(x, c, lab) for x, c, lab in lines]
        figs[key] = _with_vlines(
            svg_plot(series, title, unit, ylabel, (), xlim=(lo, hi), ylim=(0, top * 1.1 + 0.1), step=True),
            vlines,
            (lo, hi),
        )
    return figs


def _with_vlines(svg: str, vlines: Sequence[tuple[float, str, str]], xlim: tuple[float, float]) -> str:
    """Add dashed vertical reference lines (target, budget) to a histogram made by :func:`svg_plot`."""
    ml, mr, mt, mb, width, height = 52, 12, 40, 40, 560, 260
    pw, ph = width - ml - mr, height - mt - mb
    add = []
    for v, col, label in vlines:
        if not xlim[0] <= v <= xlim[1]:
            continue
        x = ml + (v - xlim[0]) / (xlim[1] - xlim[0]) * pw
        add.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{mt}" y2="{mt + ph}" stroke="{col}" stroke-dasharray="6 4"/>'
            f'<text x="{x + 4:.1f}" y="{mt + 12}" class="k" fill="{col}">{escape(label)}</text>'
        )
    return svg.replace("</svg>", "".join(add) + "</svg>")


# -- HTML ------------------------------------------------------------------------------------------
CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1180px;
color:#222;padding:0 16px;line-height:1.4}
h1{font-size:24px;margin:0 0 4px} h2{font-size:19px;margin:28px 0 8px;border-bottom:2px solid #eee;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
.sub{color:#666;font-size:13px}
table{border-collapse:collapse;font-size:13.5px;margin:6px 0}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;vertical-align:top}
th{background:#f6f6f6} td.l,th.l{text-align:left}
.verdict{display:flex;gap:14px;flex-wrap:wrap;margin:10px 0}
.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:300px;flex:1;background:#fafafa}
.card h3{margin:0 0 6px}
.big{font-size:20px;font-weight:600}
.better{color:#1b7f3b;font-weight:600} .worse{color:#c0392b;font-weight:600} .same,.na{color:#777}
.unclear{color:#777;font-style:italic}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.figs{display:flex;flex-wrap:wrap;gap:10px} svg.fig{border:1px solid #eee;max-width:100%;height:auto}
svg .t{font-size:13px;font-weight:600;fill:#222} svg .k{font-size:11px;fill:#444}
.err{background:#fff3f0;border:1px solid #f3c1b5;border-radius:6px;padding:8px 12px}
.note{font-size:12.5px;color:#555}
"""


_v = value_text


def _dur(s: float | None) -> str:
    if s is None:
        return "–"
    m, sec = divmod(round(s), 60)
    return f"{m}:{sec:02d} min"


def _sw(i: int) -> str:
    return f'<span class="swatch" style="background:{color(i)}"></span>'


def _signed(x: float | None, unit: str) -> str:
    if x is None:
        return "–"
    u = " points" if unit == "%" else ("°" if unit == "°" else f" {unit}")
    return f"{x:+.1f}{u}"


def _verdict_cell(d: Difference | None) -> str:
    if d is None or d.direction == "n/a":
        return '<td class="l na">–</td>'
    cls = d.direction if d.clear else "unclear"
    word = {"better": "better", "worse": "worse", "same": "same"}[d.direction]
    if not d.clear:
        word = f"no clear difference ({word} by {abs(d.difference or 0):.1f})"
    elif d.beyond_variability is False:
        word += ", but small"
    ci = f" <span class='note'>95% CI {d.ci95[0]:+.1f} to {d.ci95[1]:+.1f}</span>" if d.ci95 else ""
    return f'<td class="l"><span class="{cls}">{_signed(d.difference, d.unit)} — {escape(word)}</span>{ci}</td>'


def _headline_cards(cmp: Comparison) -> str:
    good = cmp.good
    if len(good) < 2:
        return "<p>Only one readable run: nothing to compare against.</p>" if good else "<p>No readable run.</p>"
    base = good[0]
    cards = []
    for i in good[1:]:
        parts = []
        for key, what in (("cadence_spm_median", "Cadence"), ("rotation_deg_median", "Rotation")):
            d = headline(cmp, key, i)
            if d is None or d.direction == "n/a":
                parts.append(f"<p><b>{what}:</b> not available.</p>")
                continue
            if not d.clear:
                verdict = '<span class="unclear">no clear difference</span>'
            elif d.direction == "same":
                verdict = '<span class="same">no better or worse</span>'
            else:
                winner = letter(i) if d.direction == "better" else letter(base)
                verdict = f'<span class="better">{winner} is better</span>'
            parts.append(f'<p><span class="big">{what}: {verdict}</span><br>{escape(d.text)}</p>')
        cards.append(
            f'<div class="card"><h3>{_sw(base)}{letter(base)} → {_sw(i)}{letter(i)}'
            f' <span class="sub">({escape(cmp.runs[base].name)} → {escape(cmp.runs[i].name)})</span></h3>'
            + "".join(parts)
            + "</div>"
        )
    return '<div class="verdict">' + "".join(cards) + "</div>"


def _headline_table(cmp: Comparison) -> str:
    good = cmp.good
    base = good[0] if good else None
    cols = "".join(f"<th>{_sw(i)}{letter(i)}</th>" for i in good)
    vs = "".join(f"<th class='l'>{letter(i)} vs {letter(base)}</th>" for i in good[1:])
    rows = []
    for row in HEAD_ROWS:
        vals = "".join(f"<td>{head_cell(cmp.summaries[i], row)}</td>" for i in good)
        diffs = "".join(_verdict_cell(headline(cmp, row.key, i)) for i in good[1:])
        rows.append(f"<tr><th class='l'>{escape(row.label)}</th>{vals}{diffs}</tr>")
    extra = [
        ("Target cadence", "target_cadence_spm", " spm"),
        ("Rotation budget", "rotation_budget_deg", "°"),
        ("Duration", "duration_s", ""),
        ("Steps", "steps", ""),
    ]
    for label, key, unit in extra:
        vals = [cmp.summaries[i].get(key) for i in good]
        cells = "".join(f"<td>{_dur(v) if key == 'duration_s' else _v(v, 0, unit)}</td>" for v in vals)
        rows.append(f"<tr><th class='l'>{label}</th>{cells}{'<td></td>' * len(good[1:])}</tr>")
    return f"<table id='headline'><tr><th class='l'>Per run</th>{cols}{vs}</tr>{''.join(rows)}</table>"


def _runs_table(cmp: Comparison) -> str:
    rows = []
    for i, r in enumerate(cmp.runs):
        m, s = r.meta, cmp.summaries[i] or {}
        status = "ok" if r.ok else '<span class="worse">damaged</span>'
        rows.append(
            "<tr>"
            f"<th class='l'>{_sw(i)}{letter(i)}</th><td class='l'>{escape(r.name)}</td><td class='l'>{status}</td>"
            f"<td class='l'>{escape(m.runner or '–')}</td><td class='l'>{escape(', '.join(m.tags) or '–')}</td>"
            f"<td class='l'>{escape(m.notes or '–')}</td><td class='l'>{escape(m.device or r.family or '–')}</td>"
            f"<td>{_v(r.rate_hz, 0, ' Hz')}</td><td>{_dur(s.get('duration_s')) if r.ok else '–'}</td>"
            f"<td>{s.get('steps', '–')}</td><td>{s.get('strides', '–')}</td><td>{s.get('gaps', '–')}</td>"
            "</tr>"
        )
    return (
        "<table id='runs'><tr><th class='l'>Run</th><th class='l'>File</th><th class='l'>Status</th>"
        "<th class='l'>Runner</th><th class='l'>Tags</th><th class='l'>Notes</th><th class='l'>Device</th>"
        "<th>Rate</th><th>Duration</th><th>Steps</th><th>Strides</th><th>Gaps</th></tr>" + "".join(rows) + "</table>"
    )


def _minutes_table(cmp: Comparison) -> str:
    good = cmp.good
    n = max((len(cmp.minutes[i]) for i in good), default=0)
    if not n:
        return "<p>No data.</p>"
    head = "".join(f"<th colspan='3'>{_sw(i)}{letter(i)}</th>" for i in good)
    sub = "".join("<th>cadence</th><th>rotation</th><th>steps</th>" for _ in good)
    rows = []
    for k in range(n):
        cells = []
        label = ""
        for i in good:
            seg = cmp.minutes[i][k] if k < len(cmp.minutes[i]) else None
            label = label or (f"{k}–{k + 1}" if seg else "")
            if seg is None:
                cells.append("<td></td><td></td><td></td>")
            else:
                cells.append(
                    f"<td>{_v(seg.cadence_spm_median, 1)}</td><td>{_v(seg.rotation_deg_median, 1, '°')}</td>"
                    f"<td>{seg.steps}</td>"
                )
        rows.append(f"<tr><th class='l'>{label}</th>{''.join(cells)}</tr>")
    return (
        f"<table id='minutes'><tr><th class='l' rowspan='2'>minute</th>{head}</tr><tr>{sub}</tr>"
        + "".join(rows)
        + "</table>"
    )


def _laps_tables(cmp: Comparison) -> str:
    out = []
    for i in cmp.good:
        segs = cmp.laps[i]
        if not segs:
            continue
        rows = "".join(
            f"<tr><th class='l'>{escape(s.label)}</th><td>{_dur(s.start_s)}</td><td>{_dur(s.end_s - s.start_s)}</td>"
            f"<td>{s.steps}</td><td>{_v(s.cadence_spm_median)}</td><td>{_v(s.time_below_target_pct, 0, '%')}</td>"
            f"<td>{_v(s.rotation_deg_median, 1, '°')}</td><td>{_v(s.rotation_deg_p90, 1, '°')}</td>"
            f"<td>{_v(s.strides_over_budget_pct, 0, '%')}</td></tr>"
            for s in segs
        )
        out.append(
            f"<h3>{_sw(i)}{letter(i)}: {escape(cmp.runs[i].name)}</h3>"
            "<table class='laps'><tr><th class='l'>lap / marker</th><th>starts at</th><th>length</th>"
            "<th>steps</th><th>cadence</th><th>below target</th>"
            "<th>rotation</th><th>rotation p90</th><th>over budget</th></tr>" + rows + "</table>"
        )
    return "".join(out) or "<p class='note'>No laps or markers in these runs.</p>"


def _all_numbers(cmp: Comparison) -> str:
    good = cmp.good
    keys: list[str] = []
    for i in good:
        keys += [k for k in cmp.summaries[i] if k not in keys]
    rows = "".join(
        f"<tr><th class='l'>{escape(k)}</th>"
        + "".join(f"<td>{escape(_v(cmp.summaries[i].get(k), 3))}</td>" for i in good)
        + "</tr>"
        for k in keys
    )
    cols = "".join(f"<th>{letter(i)}</th>" for i in good)
    return f"<table id='all'><tr><th class='l'>key (as in analyze --json)</th>{cols}</tr>{rows}</table>"


def _problems(cmp: Comparison) -> str:
    items = []
    for i, r in enumerate(cmp.runs):
        if r.error:
            items.append(f"<li><b>{letter(i)} ({escape(r.name)}) could not be analysed:</b> {escape(r.error)}</li>")
        for w in r.warnings:
            items.append(f"<li>{letter(i)} ({escape(r.name)}): {escape(w)}</li>")
    if not items:
        return ""
    return f"<h2>Problems</h2><div class='err'><ul>{''.join(items)}</ul></div>"


def _title(cmp: Comparison) -> str:
    runners = [r.meta.runner for r in cmp.runs if r.ok and r.meta.runner]
    uniq = list(dict.fromkeys(runners))
    who = ", ".join(uniq) if uniq else "runs"
    what = " vs ".join(
        (", ".join(cmp.runs[i].meta.tags) or cmp.runs[i].name)
        + (f" ({cmp.runs[i].meta.runner})" if len(uniq) > 1 and cmp.runs[i].meta.runner else "")
        for i in cmp.good
    )
    return f"Run comparison — {who}: {what}" if what else "Run comparison"


def report_html(cmp: Comparison, title: str | None = None) -> str:
    """The whole report as one HTML string (no external resources)."""
    title = title or _title(cmp)
    figs = figures(cmp) if cmp.good else {}
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    base = cmp.good[0] if cmp.good else None
    fig_html = ""
    if figs:
        fig_html = (
            "<h2>Over the run</h2><p class='note'>Left: by elapsed time. Right: each run stretched to 0–100 % so runs "
            "of different length line up (start, middle, end).</p>"
            f"<div class='figs'>{figs['cadence_elapsed']}{figs['cadence_normalised']}</div>"
            f"<div class='figs'>{figs['rotation_elapsed']}{figs['rotation_normalised']}</div>"
            "<h2>Distributions</h2><p class='note'>Share of all steps (cadence) or strides (rotation) in each bin, "
            "so runs of different length compare. Narrower is steadier.</p>"
            f"<div class='figs'>{figs['cadence_distribution']}{figs['rotation_distribution']}</div>"
        )
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<div class='sub'>stridemon {escape(__version__)} · {now} · baseline: "
        f"{letter(base) + ' (' + escape(cmp.runs[base].name) + ')' if base is not None else 'none'}</div>",
        "<h2>Verdict</h2>",
        _headline_cards(cmp),
        _problems(cmp),
        "<h2>Headline numbers</h2>",
        _headline_table(cmp) if cmp.good else "<p>No readable run.</p>",
        "<p class='note'>Green: better against the runner's targets; red: worse; grey italics: within stride-to-stride "
        "noise (95% bootstrap CI of the difference includes 0). “but small”: real, yet smaller than the typical "
        "stride-to-stride spread.</p>",
        "<h2>Runs</h2>",
        _runs_table(cmp),
        fig_html,
        "<h2>Minute by minute</h2><p class='note'>Median cadence (spm) and rotation per stride in each minute of "
        "elapsed time.</p>",
        _minutes_table(cmp),
        "<h2>Laps and markers</h2>",
        _laps_tables(cmp),
        "<h2>All numbers</h2>",
        _all_numbers(cmp) if cmp.good else "",
        f"<h2>How these numbers are made</h2><p class='note'>{escape(METHOD)} Cadence: steps per minute from the "
        "time between initial contacts; rotation: the pelvis/trunk yaw range of each stride (heading changes "
        "removed), and in cm each way at the side of the torso (15 cm from the spine). Time below target uses the "
        "10-s median cadence. Rotation asymmetry compares the yaw range during the left step with that during the "
        "right step.</p>",
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>" + "\n".join(body) + "</body></html>"
    )


# -- writing a report ------------------------------------------------------------------------------
def check_report_path(out: str | Path, inputs: Sequence[str | Path] = (), force: bool = False) -> Path:
    """Where a report may be written, or :class:`InputError` with a one-line reason.

    Never onto an input: a run being compared, its ``.meta.json`` sidecar or its folder's session
    cache (compared by file identity, so another spelling of the path, a symlink or a hard link is
    caught too); never onto an existing file without ``force``; the folder must exist and be writable.
    """
    from stridemon.errors import InputError

    out = Path(out)
    if str(out).strip() == "" or out.name in ("", ".", ".."):
        raise InputError(f"'{out}': give a file name for the report, e.g. report.html")
    if out.is_dir():
        raise InputError(f"{out}: is a folder; give a file name for the report, e.g. {out / 'report.html'}")
    parent = out.parent
    if not parent.is_dir():
        raise InputError(f"{parent}: no such folder for the report; create it first or choose another place")
    protected: list[Path] = []
    for p in inputs:
        p = Path(p)
        protected += [p, Path(str(p) + ".meta.json"), p.parent / ".stridemon-sessions.json"]
    real = os.path.realpath(out)
    for p in protected:
        same = os.path.realpath(p) == real
        if not same and out.exists() and p.exists():
            try:
                same = os.path.samefile(out, p)
            except OSError:
                same = False
        if same:
            raise InputError(
                f"{out}: is one of the inputs ({p.name}); the report would overwrite it. Choose another file name"
            )
    if out.exists() and not force:
        raise InputError(f"{out}: already exists; add --force to replace it, or choose another file name")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{parent}: cannot write there (read-only or no permission); choose another folder")
    return out


def write_report(
    cmp: Comparison, out: str | Path, inputs: Sequence[str | Path] = (), force: bool = False, title: str | None = None
) -> Path:
    """Check ``out`` (:func:`check_report_path`), then write the HTML report atomically: a
    temporary file in the same folder renamed over the target, so a full disk or an error leaves
    the previous file (if any) untouched. Returns the path; :class:`InputError` on failure."""
    from stridemon.errors import InputError

    out = check_report_path(out, inputs, force)
    html = report_html(cmp, title)
    tmp = out.parent / f".{out.name}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(html)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise InputError(f"{out}: report not written ({e.strerror or e}); nothing was changed") from None
    return out
