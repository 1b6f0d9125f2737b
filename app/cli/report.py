"""`docket report`: a period's DSA transparency report, as CSV in the template's layout or as JSON."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from datetime import datetime
from typing import Any

from app.cli.projections import migrated_runtime
from app.cli.statements import ExportRefused
from app.config.settings import Settings
from app.read.store import read
from app.runtime.health import health
from app.runtime.recovery import RecoveryRefused
from projections.transparency.queries import transparency_report
from projections.transparency.rows import Period, TransparencyReport
from projections.transparency.template import HEADER, template_rows


def run_report(settings: Settings, period: Period, output_format: str) -> int:
    """Prints the report of `period`; 0 when written, 2 when it could not be made (said on stderr)."""
    try:
        if period.end < period.start:
            raise ExportRefused(f"--to ({period.end.isoformat()}) must not be before --from "
                                f"({period.start.isoformat()})")
        with migrated_runtime(settings) as runtime:
            behind = max((p.lag for p in health(runtime).projections if p.name == "transparency"), default=0)
            report = read(runtime.store, transparency_report, period)
    except (ExportRefused, RecoveryRefused) as error:
        print(f"docket: {error}", file=sys.stderr)
        return 2
    if output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\r\n")  # RFC 4180, as the template is published
        writer.writerow(HEADER)
        writer.writerows(template_rows(report))
    else:
        sys.stdout.write(json.dumps(_plain(report), indent=2, default=_moment) + "\n")
    if behind:
        print(f"docket: the transparency read model is {behind} events behind the ledger; run `docket serve` or "
              "`docket project` to bring it up to date", file=sys.stderr)
    return 0


def _plain(report: TransparencyReport) -> dict[str, Any]:
    plain = asdict(report)
    domains = plain.pop("period")["domains"]
    return {"from": report.period.start, "to": report.period.end, "domains": domains, **plain}


def _moment(value: object) -> str:
    assert isinstance(value, datetime), f"{value!r} is not JSON"
    return value.isoformat()
