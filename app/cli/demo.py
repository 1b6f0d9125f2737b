"""A realistic scenario across trust_safety, ads, shopping and monetization, loaded through the ledger's own commands.

On a new ledger it is a month of enforcement: the starter catalog is published 30 days ago and each
detection, decision and appeal is recorded at its own moment since, so that `asOf` has a past to
travel to. On a ledger that already holds events it is recorded now, since a ledger's events are
recorded in time order. Loading it twice changes nothing: detections are keyed by source and
external id, decisions and appeals by idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.config.clock import system_clock
from app.config.settings import Settings
from app.read.migrations import migrate
from app.runtime.wiring import Runtime, open_runtime
from app.write.appeals import AppealFiled
from app.write.catalog import seed_catalog
from app.write.deciding import DecisionMade
from app.write.detections import DetectionRecorded
from app.write.index_backfill import backfill_indexes
from app.write.ledger import Ledger
from app.write.review import ReportSubmitted
from domain.appeal import AppealOutcome, AppealStatus
from domain.base import Clock
from domain.case import Verdict
from domain.detection import DetectionFacts
from domain.errors import ConflictError
from domain.report import Notice, ReporterKind
from domain.routing import RoutingRule
from domain.values import Action, ActionType, Content, ContentType, DetectionSource, Outcome, Subject

HISTORY = timedelta(days=30)
"""How long before now a new ledger's demo begins."""


@dataclass(frozen=True)
class Signal:
    domain: str
    kind: str
    subject_id: str
    account_id: str
    policy: str
    source: str
    confidence: float
    model: str | None
    content_type: str
    days_ago: float

    @property
    def subject(self) -> Subject:
        return Subject(self.domain, self.kind, self.subject_id)


@dataclass(frozen=True)
class Ruling:
    signal: int
    outcome: str
    actions: tuple[Action, ...]
    rationale: str
    reviewer: str
    days_ago: float


@dataclass(frozen=True)
class Challenge:
    """An appeal of a ruling, and how it ended; without an outcome it waits for a second reviewer."""

    ruling: int
    statement: str
    filed_days_ago: float
    outcome: AppealOutcome | None = None
    rationale: str = ""
    resolver: str = ""
    resolved_days_ago: float = 0.0


@dataclass(frozen=True)
class UserReport:
    """A user's report of a signal's subject, which the signal's ruling answers."""

    signal: int
    reporter: str
    text: str
    days_ago: float


SIGNALS = (
    Signal("trust_safety", "pin", "pin-1001", "user-ana", "spam", "CLASSIFIER", 0.97, "spam-clf-v7", "IMAGE", 27),
    Signal("trust_safety", "pin", "pin-1002", "user-ana", "spam", "CLASSIFIER", 0.91, "spam-clf-v7", "IMAGE", 3),
    Signal("trust_safety", "comment", "cmt-2001", "user-ben", "harassment", "USER_REPORT", 1.0, None, "TEXT", 21),
    Signal("trust_safety", "comment", "cmt-2002", "user-ben", "harassment", "LLM", 0.88, "gpt-moderation-2", "TEXT",
           20.5),
    Signal("trust_safety", "pin", "pin-1003", "user-cho", "self_harm", "VLM", 0.64, "vlm-safety-3", "IMAGE", 16),
    Signal("trust_safety", "pin", "pin-1004", "user-dev", "violent_extremism", "HASH_MATCH", 1.0, "gifct-hash",
           "VIDEO", 12),
    Signal("trust_safety", "board", "board-31", "user-eli", "spam", "TRUSTED_FLAGGER", 1.0, None, "OTHER", 2),
    Signal("ads", "ad", "ad-501", "adv-fastloans", "financial_scams", "CLASSIFIER", 0.95, "ads-risk-v4", "IMAGE", 10),
    Signal("ads", "ad", "ad-502", "adv-fastloans", "misleading_claims", "LLM", 0.82, "gpt-ads-review", "TEXT", 4),
    Signal("ads", "ad", "ad-503", "adv-glowskin", "misleading_claims", "CLASSIFIER", 0.58, "ads-risk-v4", "IMAGE", 8),
    Signal("shopping", "listing", "lst-7001", "mer-luxdeals", "counterfeit", "HASH_MATCH", 0.99, "logo-match-2",
           "PRODUCT", 24),
    Signal("shopping", "listing", "lst-7002", "mer-luxdeals", "counterfeit", "USER_REPORT", 1.0, None, "PRODUCT", 5),
    Signal("shopping", "listing", "lst-7003", "mer-toyland", "unsafe_products", "AUTHORITY_ORDER", 1.0, None,
           "PRODUCT", 15),
    Signal("shopping", "listing", "lst-7004", "mer-toyland", "misleading_listing", "CLASSIFIER", 0.71, "listing-qa-1",
           "PRODUCT", 1),
    Signal("monetization", "video", "vid-9001", "creator-zoe", "reused_content", "CLASSIFIER", 0.93,
           "reuse-detector-2", "VIDEO", 18),
    Signal("monetization", "video", "vid-9002", "creator-zoe", "invalid_traffic", "RULE", 1.0, "ivt-rules-5", "VIDEO",
           6),
)

RULINGS = (
    Ruling(0, "VIOLATING", (Action(ActionType.REMOVE),), "Link-farm pin posted 40 times in an hour.", "reviewer:maria",
           26.8),
    Ruling(1, "VIOLATING", (Action(ActionType.DEMOTE),), "Same link farm, second pin.", "reviewer:maria", 2.9),
    Ruling(2, "VIOLATING", (Action(ActionType.REMOVE, ("DE", "FR")),), "Targeted insults at a named person.",
           "reviewer:tom", 20.9),
    Ruling(4, "NOT_VIOLATING", (), "Recovery story with helpline resources; allowed.", "reviewer:tom", 15.7),
    Ruling(5, "VIOLATING", (Action(ActionType.REMOVE), Action(ActionType.TERMINATE_ACCOUNT)),
           "Known propaganda video (hash match).", "reviewer:ines", 11.9),
    Ruling(7, "VIOLATING", (Action(ActionType.REJECT_AD),), "Guaranteed-return loan scam impersonating a bank.",
           "reviewer:li", 9.8),
    Ruling(8, "VIOLATING", (Action(ActionType.REJECT_AD),), "Claims approval 'for everyone, no checks'.", "reviewer:li",
           3.8),
    Ruling(9, "NOT_VIOLATING", (), "Cosmetic claim is substantiated by the advertiser's test report.", "reviewer:li",
           7.7),
    Ruling(10, "VIOLATING", (Action(ActionType.DELIST_PRODUCT, ("DE", "IT", "ES")),), "Counterfeit logo on handbag.",
           "reviewer:omar", 23.6),
    Ruling(12, "VIOLATING", (Action(ActionType.DELIST_PRODUCT),), "Recalled toy; authority order 2026/114.",
           "reviewer:omar", 14.9),
    Ruling(14, "VIOLATING", (Action(ActionType.DEMONETIZE),), "Broadcast re-uploaded without commentary.",
           "reviewer:sam", 17.8),
    Ruling(15, "VIOLATING", (Action(ActionType.DEMONETIZE),), "Views bought from a click farm.", "reviewer:sam", 5.9),
)

REPORTS = (
    UserReport(2, "user-fay", "This comment insults me in front of my friends.", 21.2),
    UserReport(12, "user-gus", "This toy was recalled last month and is still for sale.", 15.2),
)

LANGUAGES = (("user-ben", "DE"), ("mer-toyland", "FR"), ("user-fay", "FR"))
"""The languages some accounts read their notices in; the others read English."""

CHALLENGES = (
    Challenge(2, "The comment quoted a song lyric; it named nobody.", 19, AppealOutcome.OVERTURN,
              "On a second look the lyric addresses no real person.", "reviewer:ines", 4),
    Challenge(6, "Approval depends on a credit check; the ad's small print says so.", 1.5),
)


class DemoClock:
    """The time the demo records at: each step's moment while a new ledger's month is written, else the real time."""

    def __init__(self, real: Clock = system_clock) -> None:
        self.real = real
        self._stopped: datetime | None = None

    def __call__(self) -> datetime:
        return self.real() if self._stopped is None else self._stopped

    def stop_at(self, moment: datetime | None) -> None:
        """Holds the time at `moment` (None: the real time again)."""
        self._stopped = moment


def run_demo(settings: Settings, real: Clock = system_clock, automation: bool = False) -> str:
    """`docket demo`: migrates the database if needed, loads the scenario (then, with `automation`, the automation
    story) and brings the read models up to date."""
    clock = DemoClock(real)
    runtime = open_runtime(settings, clock, prepare=False)
    try:
        summary = load_demo(runtime, clock)
        if automation:
            from app.cli.demo_automation import run_automation_story  # litellm and scikit-learn load for it alone

            summary += "\n" + run_automation_story(runtime)
        runtime.projector.catch_up()
    finally:
        runtime.close()
    return summary


def load_demo(runtime: Runtime, clock: DemoClock) -> str:
    """Records the starter catalog and the scenario, over the last month on a new ledger; returns a summary."""
    migrate(runtime.store)
    ledger = runtime.ledger
    end = clock()
    history = ledger.head() == 0

    def at(days_ago: float) -> None:
        if history:
            clock.stop_at(end - timedelta(days=days_ago))

    at(HISTORY.days)
    seed_catalog(ledger)
    _queues(ledger)
    backfill_indexes(ledger)  # as `docket migrate` would: a ledger that predates the indexes gets them
    spoken = [ledger.set_account_language(account, language, "svc:profiles").created for account, language in LANGUAGES]
    recorded: dict[int, DetectionRecorded] = {}
    reported: dict[int, ReportSubmitted] = {}
    made: dict[int, DecisionMade] = {}
    filed: dict[int, AppealFiled] = {}
    for days_ago, step, index in timeline():
        at(days_ago)
        if step == "detection":
            recorded[index] = _record(ledger, index, SIGNALS[index])
        elif step == "report":
            reported[index] = _report(ledger, index, REPORTS[index])
        elif step == "decision":
            ruling = RULINGS[index]
            made[index] = _rule(ledger, ruling, recorded[ruling.signal])
        elif step == "appeal":
            challenge = CHALLENGES[index]
            filed[index] = _appeal(ledger, index, challenge, made[challenge.ruling])
        else:
            _resolve(ledger, CHALLENGES[index], filed[index])
    clock.stop_at(None)
    created = [r.created for r in recorded.values()] + [m.created for m in made.values()] + spoken
    created += [r.created for r in reported.values()]
    if not any(created + [f.created for f in filed.values()]):
        return "The demo was loaded before: nothing new was recorded."
    return _summary(sum(m.strike is not None for m in made.values()), end if history else None)


DEMO_QUEUES = (
    ("ts_general", "trust_safety", "Everyday trust & safety review"),
    ("ads_general", "ads", "Ads review"),
    ("shopping_general", "shopping", "Listings review"),
    ("monetization_general", "monetization", "Creator monetization review"),
)


def _queues(ledger: Ledger) -> None:
    """A review queue per domain, routed that domain's work, so the console has queues to claim from; once."""
    created = False
    for name, domain, description in DEMO_QUEUES:
        try:
            ledger.create_queue(name, domain, description, "demo")
            created = True
        except ConflictError:
            pass  # loaded before
    if created:
        rules = [RoutingRule(queue=name, domains=(domain,)) for name, domain, _ in DEMO_QUEUES]
        ledger.set_routing(rules, DEMO_QUEUES[0][0], "demo")


def timeline() -> list[tuple[float, str, int]]:
    """Every step of the scenario as (days before the end, what, index), earliest first."""
    steps = [(s.days_ago, "detection", i) for i, s in enumerate(SIGNALS)]
    steps += [(r.days_ago, "report", i) for i, r in enumerate(REPORTS)]
    steps += [(r.days_ago, "decision", i) for i, r in enumerate(RULINGS)]
    steps += [(c.filed_days_ago, "appeal", i) for i, c in enumerate(CHALLENGES)]
    steps += [(c.resolved_days_ago, "resolution", i) for i, c in enumerate(CHALLENGES) if c.outcome is not None]
    return sorted(steps, key=lambda step: -step[0])


def _record(ledger: Ledger, index: int, s: Signal) -> DetectionRecorded:
    facts = DetectionFacts(
        subject=s.subject, account_id=s.account_id, policy_key=s.policy,
        source=DetectionSource(s.source), external_id=f"demo-{index:03d}", confidence=s.confidence, model=s.model,
        content_type=ContentType(s.content_type),
        content=Content(
            uri=f"https://example.com/{s.kind}/{s.subject_id}", hash=f"sha256:demo{index:03d}", version="1"
        ),
        evidence={"demo": True, "score": s.confidence}, detected_at=ledger.clock() - timedelta(hours=1),
    )
    return ledger.record_detection(facts, actor=f"pipeline:{s.source.lower()}")


def _report(ledger: Ledger, index: int, report: UserReport) -> ReportSubmitted:
    s = SIGNALS[report.signal]
    notice = Notice(s.subject, s.account_id, report.reporter, ReporterKind.USER, s.policy, report.text)
    return ledger.submit_report(notice, f"demo-report-{index:03d}", "intake:reports")


def _rule(ledger: Ledger, ruling: Ruling, detection: DetectionRecorded) -> DecisionMade:
    s = SIGNALS[ruling.signal]
    verdict = Verdict(outcome=Outcome(ruling.outcome), actions=ruling.actions, rationale=ruling.rationale,
                      idempotency_key=f"demo-ruling-{ruling.signal:03d}")
    return ledger.decide(s.subject, s.policy, verdict, [detection.detection.id], s.account_id, ruling.reviewer)


def _appeal(ledger: Ledger, index: int, challenge: Challenge, ruled: DecisionMade) -> AppealFiled:
    account = SIGNALS[RULINGS[challenge.ruling].signal].account_id
    return ledger.file_appeal(ruled.case_id, ruled.decision.decision_id, challenge.statement,
                              f"demo-appeal-{index:03d}", f"account:{account}")


def _resolve(ledger: Ledger, challenge: Challenge, filed: AppealFiled) -> None:
    if filed.appeal.status is AppealStatus.PENDING and challenge.outcome is not None:  # a second load: resolved
        ledger.resolve_appeal(filed.appeal.id, challenge.outcome, challenge.rationale, challenge.resolver)


def _summary(strikes: int, history_end: datetime | None) -> str:
    done = (
        f"{len(SIGNALS)} detections from {len({s.source for s in SIGNALS})} sources, {len(RULINGS)} decisions "
        f"({strikes} with strikes, each restrictive one noticed to its account, and {len(REPORTS)} reporters told "
        f"the outcome) and {len(CHALLENGES)} appeals (one waiting for a second reviewer: the console's Appeals), "
        "across trust_safety, ads, shopping and monetization"
    )
    case = 'case(subject: {domain: "shopping", kind: "listing", id: "lst-7001"})'
    notices = 'notices(filter: {accountId: "user-ben"})'
    if history_end is None:
        return (
            f"Loaded the demo: {done}, all recorded now, as the ledger already held events (a new database gets a "
            f'month of history to query asOf). Try: account(id: "adv-fastloans"), {case} or {notices}.'
        )
    week_ago = (history_end - timedelta(days=7)).isoformat(timespec="seconds")
    return (
        f"Loaded the demo: a month of enforcement, {(history_end - HISTORY).date()} to {history_end.date()} at "
        f'simulated times: {done}. Try: account(id: "adv-fastloans", asOf: "{week_ago}") beside '
        f'account(id: "adv-fastloans"), {case} or {notices}.'
    )
