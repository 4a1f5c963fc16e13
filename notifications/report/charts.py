"""The report's charts as inline SVG, drawn by matplotlib's SVG backend: participation by sex and
age band, women's share per org unit against the 30 % line, cycles by stage, cycles per region.

Deterministic for the golden file: a fixed hash salt for the SVG ids, no date in the metadata,
and text kept as <text> (svg.fonttype "none"), so the numbers and labels are readable in the
document's source. The words (titles, legends) come from the template's labels, never from here.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

WIDTH_IN, HEIGHT_IN = 6.6, 2.6
"""A chart across an A4 page's text width (180 mm ≈ 7 in) at a third of its height or less."""
INK, WOMEN, MEN, TARGET = "#1b1b1b", "#7b3294", "#5e9c76", "#c0392b"


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("svg")  # no display, no GUI toolkit: the SVG backend only
    import matplotlib.pyplot as plt

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "debates-report",
            "font.family": "DejaVu Sans",
            "font.size": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": INK,
            "text.color": INK,
        }
    )
    return plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN))


def _svg(figure: Any, title: str) -> str:
    import matplotlib.pyplot as plt

    figure.tight_layout()
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Title": title})
    plt.close(figure)
    svg = out.getvalue()
    # The document is HTML: the XML prologue and DOCTYPE of a standalone file go.
    return svg[svg.index("<svg") :].strip()


def _label_bars(axes: Any, bars: Any) -> None:
    axes.bar_label(bars, fmt="%g", padding=1, fontsize=7)


def grouped_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    y_label: str,
    slanted: bool = False,
) -> str:
    """Bars per category, one per series (label, values, colour), each bar labelled; `slanted`
    category names when they are long (the stages)."""
    from matplotlib.ticker import MaxNLocator

    figure, axes = _figure()
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    width = 0.8 / max(len(series), 1)
    for index, (label, values, colour) in enumerate(series):
        offsets = [i + (index - (len(series) - 1) / 2) * width for i in range(len(categories))]
        _label_bars(axes, axes.bar(offsets, values, width, label=label, color=colour))
    axes.set_xticks(range(len(categories)), categories)
    if slanted:
        axes.tick_params(axis="x", labelrotation=25)
        for tick in axes.get_xticklabels():
            tick.set_horizontalalignment("right")
    axes.set_ylabel(y_label)
    axes.set_title(title, loc="left", fontsize=9)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=7)
    return _svg(figure, title)


def shares_against_target(
    title: str,
    units: Sequence[str],
    shares: Sequence[float | None],
    *,
    target: float,
    target_label: str,
    y_label: str,
    number: Callable[[float], str] = "{:g}".format,
) -> str:
    """Women's share per org unit (a unit with no minutes has no bar) and the target as a line;
    each bar labelled with its share as `number` writes it (the reader's decimal mark)."""
    figure, axes = _figure()
    values = [share or 0.0 for share in shares]
    colours = [WOMEN if (s or 0) >= target else TARGET for s in shares]
    bars = axes.bar(range(len(units)), values, 0.6, color=colours)
    axes.bar_label(
        bars, labels=["—" if s is None else f"{number(s)} %" for s in shares], padding=1, fontsize=7
    )
    axes.axhline(target, color=TARGET, linestyle="--", linewidth=1, label=target_label)
    axes.set_ylim(0, max([100.0, *values]))
    axes.set_xticks(range(len(units)), units)
    axes.set_ylabel(y_label)
    axes.set_title(title, loc="left", fontsize=9)
    axes.legend(frameon=False, fontsize=7, loc="upper right")
    return _svg(figure, title)
