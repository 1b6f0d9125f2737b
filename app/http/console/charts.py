"""Charts drawn on the server as inline SVG: bars and a step line, scaled here, drawn by the templates."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 560, 160


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    width: float
    shown: str


def bars(values: list[tuple[str, float | None]], unit: str = "") -> list[Bar]:
    """Horizontal bars sharing one scale; a missing value is drawn as nothing and labelled so."""
    top = max((v for _, v in values if v is not None), default=0) or 1
    return [Bar(label, v or 0, (v or 0) / top * (WIDTH - 220), _shown(v, unit)) for label, v in values]


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{0 if value >= 10 else 1}f}{unit}"


@dataclass(frozen=True)
class Line:
    points: str
    """The polyline's points attribute."""
    ticks: list[tuple[float, str]]
    """Y positions and their labels."""
    labels: list[tuple[float, str]]
    """X positions and their labels."""


def step_line(series: list[tuple[str, float]], levels: list[str] | None = None) -> Line:
    """A step chart of values over labelled moments, left to right; `levels` names the y ticks from 0."""
    top = max((v for _, v in series), default=0) or 1
    step = (WIDTH - 60) / max(len(series) - 1, 1)

    def y(value: float) -> float:
        return HEIGHT - 30 - value / top * (HEIGHT - 50)

    points: list[str] = []
    for index, (_, value) in enumerate(series):
        x = 50 + index * step
        if points:
            points.append(f"{x:.1f},{float(points[-1].split(',')[1]):.1f}")
        points.append(f"{x:.1f},{y(value):.1f}")
    ticks = [(y(v), levels[v] if levels and v < len(levels) else str(v)) for v in range(int(top) + 1)]
    labels = [(50 + i * step, label) for i, (label, _) in enumerate(series)]
    return Line(" ".join(points), ticks, labels[:: max(len(labels) // 6, 1)])
