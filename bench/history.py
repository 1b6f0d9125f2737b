"""A large, realistic ledger history, written fast: detections, decisions, strikes, penalties and appeals.

Everything goes through the domain aggregates (so every event is one the ledger could have
recorded) and is saved with `Ledger.save(*aggregates)`, one transaction per batch, which skips
the commands' per-call checks: generating a million events takes about a minute.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from app.write.catalog import load_catalog
from app.write.ledger import Ledger
from bench.ingest import make_facts
from domain.account import Account
from domain.appeal import Appeal, AppealOutcome
from domain.base import DocketAggregate, natural_id
from domain.case import Case, Verdict
from domain.detection import Detection
from domain.policy import Policy
from domain.values import Action, Outcome

START = datetime(2026, 1, 5, tzinfo=UTC)


def generate(
    ledger: Ledger,
    events: int,
    seed: int = 11,
    batch: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Appends at least `events` events in batches of about `batch` detections; returns the head position."""
    rng = random.Random(seed)
    policies: dict[tuple[str, str], Policy] = {
        (domain, key): ledger.get_policy(domain, key) for domain, key, _ in load_catalog()
    }
    accounts: dict[str, Account] = {}
    decided: set[UUID] = set()
    recent: OrderedDict[UUID, Case] = OrderedDict()  # cases a later batch may decide again
    written = 0
    round_ = 0
    now = START
    while written < events:
        facts = make_facts(batch, seed * 1_000_003 + round_, f"r{seed}-{round_}")
        changed: dict[UUID, DocketAggregate] = {}
        detections = []
        for f in facts:
            policy = policies[(f.subject.domain, f.policy_key)]
            detection = Detection.record(f, policy.policy_version, "pipeline:bench", now)
            detections.append(detection)
            changed[detection.id] = detection
        for detection in detections:
            if rng.random() >= 0.3:
                continue
            f = detection.facts
            case_id = Case.create_id(f.subject)
            if case_id in recent:
                case = recent.pop(case_id)
            elif case_id in decided or case_id in changed:
                continue  # decided in an earlier batch and no longer held: leave it
            else:
                case = Case.open(f.subject, f.account_id, "reviewer:bench", now)
            policy = policies[(f.subject.domain, f.policy_key)]
            violating = rng.random() < 0.75
            verdict = Verdict(
                outcome=Outcome.VIOLATING if violating else Outcome.NOT_VIOLATING,
                actions=(Action(policy.terms.allowed_actions[0], ("DE", "FR") if rng.random() < 0.2 else ()),)
                if violating else (),
                rationale="Matches the policy's definition." if violating else "Allowed under the policy.",
                idempotency_key=f"bench-{round_}-{detection.id}",
            )
            decision_id = natural_id("decision", str(case_id), f"bench-{round_}-{detection.id}")
            reviewer = f"reviewer:{rng.randrange(40)}"
            decision = case.decide(decision_id, policy, verdict, [detection], f.account_id, reviewer, now)
            changed[case_id] = case
            decided.add(case_id)
            owner = case.account_id
            if owner is not None:
                account = accounts.get(owner)
                if account is None:
                    account = accounts[owner] = Account.register(owner, reviewer, now)
                account.apply_decision(case_id, decision, policy, ledger.ladders(policy.domain), reviewer, now)
                changed[account.id] = account
            if violating and rng.random() < 0.03:
                _appeal(rng, ledger, case, decision_id, accounts, changed, now)
            recent[case_id] = case
            while len(recent) > 5000:
                recent.popitem(last=False)
        recordings = ledger.save(*changed.values())
        written += len(recordings)
        round_ += 1
        now += timedelta(minutes=37)
        if progress is not None:
            progress(len(recordings))
    return ledger.head()


def _appeal(
    rng: random.Random,
    ledger: Ledger,
    case: Case,
    decision_id: UUID,
    accounts: dict[str, Account],
    changed: dict[UUID, DocketAggregate],
    now: datetime,
) -> None:
    """Files an appeal of the decision; most are resolved at once, a third of those overturned."""
    owner = case.account_id or "anonymous"
    appeal = Appeal.file(case, decision_id, "I did not break this rule.", ledger.ladders(case.subject.domain)
                         .appeal_window, None, f"user:{owner}", now)
    changed[appeal.id] = appeal
    if rng.random() < 0.3:
        return
    overturn = rng.random() < 0.33
    appeal.resolve(AppealOutcome.OVERTURN if overturn else AppealOutcome.UPHOLD, "Second look.", "reviewer:appeals",
                   now)
    if not overturn:
        return
    decision = case.reverse_actions(decision_id, f"appeal {appeal.id} overturned", "reviewer:appeals", now)
    account = accounts.get(case.account_id) if case.account_id is not None else None
    if account is not None:
        strike = account.live_strike_for(case.id, decision.policy_key)
        if strike is not None:
            account.remove_strike(strike.strike_id, f"appeal {appeal.id} overturned", "reviewer:appeals", now)
            changed[account.id] = account
