"""A transparency report laid out as the sections of the harmonised quantitative template (Implementing Regulation
(EU) 2024/2835, Annex I) name them, one figure a row: `section, figure, category, breakdown, value`.

The template's sections on orders of authorities (Art. 9 and 10), out-of-court disputes (Art. 21), human resources
and active recipients are left out: the ledger records none of their facts.
"""

from __future__ import annotations

from collections.abc import Iterator

from projections.transparency.rows import Notices, TransparencyReport

HEADER = ("section", "figure", "category", "breakdown", "value")
Row = tuple[str, str, str, str, str]

IDENTIFICATION = "Identification"
NOTICES = "Notices (Art. 16)"
OWN_INITIATIVE = "Own-initiative content moderation"
COMPLAINTS = "Complaints (Art. 20)"
SUSPENSIONS = "Suspensions (Art. 23)"
AUTOMATED_MEANS = "Automated means"
EVERY = "ALL"
"""The category of a figure over every category."""
VOLUNTARY = "SOURCE_VOLUNTARY"


def template_rows(report: TransparencyReport) -> list[Row]:
    """The report's figures in the template's order of sections; breakdowns join their parts with ' / '."""
    return [*_identification(report), *_notices(report), *_own_initiative(report), *_complaints(report),
            *_suspensions(report), *_automated_means(report)]


def _identification(report: TransparencyReport) -> Iterator[Row]:
    period = report.period
    domains = "ALL" if period.domains is None else " / ".join(period.domains)
    yield IDENTIFICATION, "reporting_period_start", "", "", period.start.isoformat()
    yield IDENTIFICATION, "reporting_period_end", "", "", period.end.isoformat()
    yield IDENTIFICATION, "domain", "", "", domains


def _notices(report: TransparencyReport) -> Iterator[Row]:
    for n in report.notices:
        category = n.category or EVERY
        for figure, value in _notice_figures(n):
            if value is not None:
                yield NOTICES, figure, category, n.reporter_kind, _number(value)
    for r in report.restrictions:
        if r.source_type != VOLUNTARY:
            breakdown = _join(r.source_type, r.restriction, _detection(r.automated_detection))
            yield NOTICES, "restrictions", r.category, breakdown, _number(r.decisions)


def _notice_figures(n: Notices) -> list[tuple[str, float | int | None]]:
    return [("received", n.received), ("actioned", n.actioned), ("not_actioned", n.not_actioned),
            ("open_at_end", n.open_at_end), ("median_seconds_to_action", n.median_seconds_to_action)]


def _own_initiative(report: TransparencyReport) -> Iterator[Row]:
    for r in report.restrictions:
        if r.source_type == VOLUNTARY:
            breakdown = _join(r.restriction, _detection(r.automated_detection))
            yield OWN_INITIATIVE, "restrictions", r.category, breakdown, _number(r.decisions)
    for d in report.decisions:
        if d.source_type == VOLUNTARY:
            breakdown = _join(_detection(d.automated_detection), f"DECISION_{d.automation}")
            yield OWN_INITIATIVE, "decisions", d.category, breakdown, _number(d.decisions)


def _complaints(report: TransparencyReport) -> Iterator[Row]:
    for c in report.complaints:
        figures = [("filed", c.filed), ("decided", c.decided), ("upheld", c.upheld), ("overturned", c.overturned),
                   ("pending_at_end", c.pending_at_end), ("median_seconds_to_decide", c.median_seconds_to_decide)]
        for figure, value in figures:
            if value is not None:
                yield COMPLAINTS, figure, c.category or EVERY, "", _number(value)


def _suspensions(report: TransparencyReport) -> Iterator[Row]:
    for s in report.suspensions:
        yield SUSPENSIONS, "suspensions", "", _join(s.basis, s.kind), _number(s.suspensions)


def _automated_means(report: TransparencyReport) -> Iterator[Row]:
    for a in report.automation:
        level = f"DECISION_{a.automation}"
        yield AUTOMATED_MEANS, "decisions", "", level, _number(a.decisions)
        yield AUTOMATED_MEANS, "complaints_decided", "", level, _number(a.complaints_decided)
        yield AUTOMATED_MEANS, "overturned", "", level, _number(a.overturned)
    for rule in report.rules:
        breakdown = _join(rule.domain, rule.policy_key, rule.model)
        yield AUTOMATED_MEANS, "rule_evaluated_at", "", breakdown, rule.evaluated_at.isoformat()
        for figure, value in (("rule_samples", rule.samples), ("rule_precision", rule.precision),
                              ("rule_recall", rule.recall), ("rule_kappa", rule.kappa)):
            yield AUTOMATED_MEANS, figure, "", breakdown, _number(value)


def _detection(automated: bool) -> str:
    return "AUTOMATED_DETECTION" if automated else "NOT_AUTOMATED_DETECTION"


def _join(*parts: str) -> str:
    return " / ".join(parts)


def _number(value: float) -> str:
    """An integer as written; a fraction to three decimals, without trailing zeros."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.3f}".rstrip("0").rstrip(".")
