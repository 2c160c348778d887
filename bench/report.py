"""The report: one Markdown file with a table per benchmark, and a PNG per chart beside it."""

import os
import platform
import subprocess
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # (the backend must be chosen before pyplot)

from bench.core import ROOT, Chart, Context, Figure, Section


def number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def _goals(figure: Figure) -> str:
    return "; ".join(
        f"{goal.text}: {'met' if goal.met(figure) else '**missed**'}" for goal in figure.goals
    )


def _row(figure: Figure) -> str:
    runs = ", ".join(number(v) for v in figure.runs)
    baseline = figure.baseline.label if figure.baseline else ""
    ratio = f"{figure.ratio:.2f}x" if figure.ratio is not None else ""
    cells = [
        figure.label,
        number(figure.median),
        figure.unit,
        runs,
        baseline,
        ratio,
        _goals(figure),
    ]
    return "| " + " | ".join(cells) + " |"


def section_markdown(section: Section, *, charts: list[Path]) -> str:
    lines = [f"## {section.title}", "", section.method, ""]
    lines += [
        "| figure | median | unit | runs | baseline | ratio | goals |",
        "|---|---:|---|---|---|---:|---|",
        *(_row(f) for f in section.figures),
        "",
    ]
    lines += [f"- {note}" for note in section.notes]
    if section.notes:
        lines.append("")
    lines += [f"![{path.stem}]({path.name})" for path in charts]
    return "\n".join(lines) + "\n"


def chart_draw(chart: Chart, *, folder: Path) -> Path:
    figures = [f for f in chart.figures if f.runs]
    height = 0.5 * len(figures) + 1.2
    fig, ax = plt.subplots(figsize=(9, height))
    positions = range(len(figures))
    ax.barh(positions, [f.median for f in figures], color="#4c78a8")
    for position, figure in zip(positions, figures, strict=True):
        ax.plot(figure.runs, [position] * len(figure.runs), "k.", markersize=5)
    ax.set_yticks(list(positions), [f.label for f in figures], fontsize=8)
    ax.invert_yaxis()
    ax.set_title(chart.title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path = folder / f"{chart.name}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _header(ctx: Context) -> str:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join(
        [
            "# PoCo Market benchmarks",
            "",
            f"{time.strftime('%Y-%m-%d %H:%M')} · commit {commit} · "
            f"{'--full sizes' if ctx.full else 'small sizes'} · median of {ctx.runs} runs · "
            f"{os.cpu_count()} cores, load average {load} at the end · Python "
            f"{platform.python_version()}",
            "",
            "Figures from a shared machine are noisy: compare ratios measured in the same run.",
            "",
        ]
    )


def report_write(*, ctx: Context, sections: list[Section]) -> Path:
    ctx.results.mkdir(parents=True, exist_ok=True)
    parts = [_header(ctx)]
    for section in sections:
        charts = [chart_draw(chart, folder=ctx.results) for chart in section.charts]
        parts.append(section_markdown(section, charts=charts))
    path = ctx.results / "report.md"
    path.write_text("\n".join(parts))
    return path
