"""Case: everything decided about one subject, one live decision per policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.claims import Claim, ReleaseReason, check_lease
from domain.confirmation import Confirmation, ConfirmationRule, Obligation, obligations_of, rules_for
from domain.detection import Detection
from domain.dsa import DsaFacts, prompted_by
from domain.errors import ConflictError, NotFoundError, ValidationError, no_such_detection
from domain.policy import Policy
from domain.values import (
    Action,
    ActionType,
    AutomationLevel,
    Content,
    ContentType,
    DetectionSource,
    DsaGround,
    Outcome,
    Subject,
    check_text,
    parse_enum,
)

ObligationKey = tuple[UUID, ActionType, str]
"""A decision, one of its actions, and a system that must confirm it."""


@dataclass(frozen=True)
class Decision:
    """A verdict on a subject under one policy version, with what DSA statements of reasons need."""

    decision_id: UUID
    policy_key: str
    policy_version: int
    outcome: Outcome
    actions: tuple[Action, ...]
    detection_ids: tuple[UUID, ...]
    content: Content | None
    content_type: ContentType | None
    rationale: str
    automation: AutomationLevel
    automated_detection: bool
    dsa_source_type: str
    dsa_category: str
    dsa_ground: DsaGround
    idempotency_key: str | None = None
    supersedes: UUID | None = None
    batch_id: UUID | None = None
    required_confirmations: tuple[ConfirmationRule, ...] = ()
    """The policy's confirmation rules for the decision's actions, as they stood when it was made."""
    dsa: DsaFacts | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        object.__setattr__(self, "required_confirmations", tuple(self.required_confirmations))
        object.__setattr__(self, "automation", AutomationLevel(self.automation))
        object.__setattr__(self, "dsa_ground", DsaGround(self.dsa_ground))
        object.__setattr__(self, "actions", tuple(self.actions))
        object.__setattr__(self, "detection_ids", tuple(self.detection_ids))
        if self.content_type is not None:
            object.__setattr__(self, "content_type", ContentType(self.content_type))


@dataclass(frozen=True)
class Verdict:
    """What a decider asks for, before the case checks it against policy and detections."""

    outcome: Outcome
    actions: tuple[Action, ...]
    rationale: str
    content: Content | None = None
    content_type: ContentType | None = None
    automation: AutomationLevel = AutomationLevel.NOT_AUTOMATED
    idempotency_key: str | None = None
    batch_id: UUID | None = None
    # Out of the repr: a bulk decision's fingerprint is its verdict's repr, and stays what it was without facts.
    dsa: DsaFacts | None = field(default=None, repr=False)
    """What the decision's statement of reasons needs beyond what the ledger knows."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", parse_enum(Outcome, self.outcome, "outcome"))
        object.__setattr__(self, "actions", tuple(self.actions))
        object.__setattr__(self, "automation", parse_enum(AutomationLevel, self.automation, "automation"))
        if self.content_type is not None:
            object.__setattr__(self, "content_type", parse_enum(ContentType, self.content_type, "contentType"))

    def validate(self) -> Verdict:
        for action in self.actions:
            action.validate()
        if self.content is not None:
            self.content.validate()
        check_text(self.rationale, "rationale")
        if self.outcome is Outcome.VIOLATING and not self.actions:
            raise ValidationError("a VIOLATING decision needs at least one action", "actions")
        if self.outcome is Outcome.NOT_VIOLATING and self.actions:
            raise ValidationError("a NOT_VIOLATING decision takes no actions", "actions")
        if len({a.type for a in self.actions}) != len(self.actions):
            raise ValidationError("an action type must not repeat within one decision", "actions")
        if self.dsa is not None:
            self.dsa.validate(tuple(a.type for a in self.actions))
        return self


class Case(DocketAggregate):
    """The subject's case file: opened once, decided per policy, superseded, never rewritten."""

    if TYPE_CHECKING:
        subject: Subject
        account_id: str | None
        decisions: dict[UUID, Decision]
        live: dict[str, UUID]
        """The live decision under each policy key."""
        decided: dict[UUID, tuple[str, datetime]]
        """Who made each decision, and when."""
        reversed: dict[UUID, datetime]
        open_reports: dict[str, list[UUID]]
        claim: Claim | None
        decision_accounts: dict[UUID, str | None]
        decided_versions: dict[str, int]
        reversal_reasons: dict[UUID, str]
        in_review: set[UUID]
        obligations: dict[ObligationKey, Obligation]
        """What each system owes each decision's actions: confirmations of their application and undoing."""

    @staticmethod
    def create_id(subject: Subject) -> UUID:
        return natural_id(*Case.id_parts(subject))

    @staticmethod
    def id_parts(subject: Subject) -> tuple[str, ...]:
        """What the subject's case id is made from (see `natural_id`)."""
        return ("case", subject.domain, subject.kind, subject.id)

    class Opened(DocketAggregate.Created):
        subject: Subject
        account_id: str | None

        def apply(self, case: Case) -> None:
            case.subject = self.subject
            case.account_id = self.account_id
            case.decisions = {}
            case.live = {}
            case.decided = {}
            case.decision_accounts = {}
            # The version of the last decision under each policy: what came before it, it answered.
            case.decided_versions = {}
            case.reversed = {}
            case.reversal_reasons = {}
            case.open_reports = {}
            # Reports a reviewer has had in hand: under a claim of their policy that ran when they came in, or since.
            case.in_review = set()
            case.claim = None
            case.obligations = {}

    class Decided(DocketAggregate.Event):
        decision: Decision
        account_id: str | None

        def apply(self, case: Case) -> None:
            decision = self.decision
            case.decisions[decision.decision_id] = decision
            case.live[decision.policy_key] = decision.decision_id
            case.decided[decision.decision_id] = (self.actor, self.occurred_at)
            case.decision_accounts[decision.decision_id] = self.account_id
            case.decided_versions[decision.policy_key] = self.originator_version
            case.open_reports.pop(decision.policy_key, None)
            case.account_id = case.account_id or self.account_id
            superseded = None if decision.supersedes is None else case.decisions.get(decision.supersedes)
            if superseded is not None:
                _change_owed(case, superseded, Obligation.superseded)
            for owed in obligations_of(decision.decision_id, decision.required_confirmations, self.occurred_at):
                case.obligations[owed.decision_id, owed.action, owed.system] = owed

    class ActionsReversed(DocketAggregate.Event):
        decision_id: UUID
        reason: str

        def apply(self, case: Case) -> None:
            decision = case.decisions[self.decision_id]
            case.reversed[self.decision_id] = self.occurred_at
            case.reversal_reasons[self.decision_id] = self.reason
            if case.live.get(decision.policy_key) == self.decision_id:
                del case.live[decision.policy_key]
            _change_owed(case, decision, lambda owed: owed.reversed(self.occurred_at))

    class ActionApplied(DocketAggregate.Event):
        """A system confirmed that it applied an action of a decision."""

        decision_id: UUID
        action: ActionType
        system: str
        applied_at: datetime
        external_ref: str | None

        def apply(self, case: Case) -> None:
            key = (self.decision_id, ActionType(self.action), self.system)
            case.obligations[key] = case.obligations[key].applied(self.applied_at, self.external_ref)

    class ActionReversalApplied(ActionApplied):
        """A system confirmed that it undid an action of a reversed decision (its fields are an ActionApplied's)."""

        def apply(self, case: Case) -> None:
            key = (self.decision_id, ActionType(self.action), self.system)
            case.obligations[key] = case.obligations[key].undone(self.applied_at, self.external_ref)

    class Reported(DocketAggregate.Event):
        report_id: UUID
        policy_key: str

        def apply(self, case: Case) -> None:
            case.open_reports.setdefault(self.policy_key, []).append(self.report_id)
            claim = case.claim
            if claim is not None and claim.policy_key == self.policy_key and claim.live(self.occurred_at):
                case.in_review.add(self.report_id)

    class Claimed(DocketAggregate.Event):
        queue: str
        policy_key: str
        expires_at: datetime

        def apply(self, case: Case) -> None:
            case.claim = Claim(self.actor, self.queue, self.policy_key, self.occurred_at, self.expires_at)
            case.in_review.update(case.open_reports.get(self.policy_key, ()))

    class ClaimRenewed(DocketAggregate.Event):
        expires_at: datetime

        def apply(self, case: Case) -> None:
            assert case.claim is not None, "only a live claim is renewed"
            case.claim = replace(case.claim, expires_at=self.expires_at)

    class Released(DocketAggregate.Event):
        holder: str
        reason: str

        def apply(self, case: Case) -> None:
            case.claim = None

    class Escalated(DocketAggregate.Event):
        policy_key: str
        queue: str
        note: str
        account_id: str | None = None
        """Whose personal data the note is (its key seals it); none on notes recorded before it was named."""

    class NoteAdded(DocketAggregate.Event):
        policy_key: str | None
        note: str
        account_id: str | None = None

    class Prioritized(DocketAggregate.Event):
        policy_key: str
        priority: int
        reason: str

    @classmethod
    def open(cls, subject: Subject, account_id: str | None, actor: str, at: datetime) -> Case:
        subject.validate()
        return cls._start(cls.Opened, cls.create_id(subject), actor, at, subject=subject, account_id=account_id)

    def reverse_actions(self, decision_id: UUID, reason: str, actor: str, at: datetime) -> Decision:
        """Reverses a live decision's actions; the decision stays in the record, no longer live."""
        decision = self.decisions.get(decision_id)
        if decision is None:
            raise NotFoundError(f"case {self.id} has no decision {decision_id}")
        if self.live.get(decision.policy_key) != decision_id:
            raise ConflictError(f"decision {decision_id} is no longer live; only live actions can be reversed")
        check_text(reason, "rationale")
        self._record(self.ActionsReversed, actor, at, decision_id=decision_id, reason=reason)
        return decision

    def confirm(self, confirmation: Confirmation, actor: str, at: datetime) -> tuple[Obligation, bool]:
        """Records a system's confirmation that it applied (or undid) an action of a decision; the obligation as it
        then stands, and whether this call recorded it (a retry records nothing and answers the original)."""
        confirmation.validate()
        c = confirmation
        decision = self.decisions.get(c.decision_id)
        if decision is None:
            raise NotFoundError(f"case {self.id} has no decision {c.decision_id}")
        if c.action not in {a.type for a in decision.actions}:
            raise NotFoundError(f"decision {c.decision_id} takes no {c.action} action")
        owed = self.obligations.get((c.decision_id, c.action, c.system))
        if owed is None:
            awaited = [o.system for (d, a, _), o in self.obligations.items() if (d, a) == (c.decision_id, c.action)]
            raise ValidationError(
                f"decision {c.decision_id} awaits no confirmation of {c.action} from {c.system!r}; it awaits "
                + (", ".join(repr(s) for s in awaited) or "none"),
                "system",
            )
        if owed.confirmed(c.reversal):
            return owed, False
        if c.reversal:
            reversed_at = self.reversed.get(c.decision_id)
            if reversed_at is None:
                raise ConflictError(f"decision {c.decision_id} has not been reversed: there is nothing to undo")
            c.check_within(reversed_at, at)
            self._record(self.ActionReversalApplied, actor, at, decision_id=c.decision_id, action=c.action,
                         system=c.system, applied_at=c.applied_at, external_ref=c.external_ref)
        else:
            c.check_within(self.decided[c.decision_id][1], at)
            self._record(self.ActionApplied, actor, at, decision_id=c.decision_id, action=c.action, system=c.system,
                         applied_at=c.applied_at, external_ref=c.external_ref)
        return self.obligations[c.decision_id, c.action, c.system], True

    def live_decision(self, policy_key: str) -> Decision | None:
        decision_id = self.live.get(policy_key)
        return None if decision_id is None else self.decisions[decision_id]

    def decide(
        self,
        decision_id: UUID,
        policy: Policy,
        verdict: Verdict,
        detections: list[Detection],
        account_id: str | None,
        actor: str,
        at: datetime,
    ) -> Decision:
        """Records a decision under `policy`, superseding the policy's live decision on this case."""
        verdict.validate()
        if policy.domain != self.subject.domain:
            raise ValidationError(
                f"policy {policy.domain}/{policy.key} belongs to another domain than the subject's "
                f"({self.subject.domain})",
                "policy",
            )
        policy.check_allows(tuple(a.type for a in verdict.actions))
        for detection in detections:
            if detection.facts.subject != self.subject:
                raise no_such_detection(detection.id, self.subject.key)
        pinned = verdict.content or _latest_content(detections)
        previous = self.live_decision(policy.key)
        decision = Decision(
            decision_id=decision_id,
            policy_key=policy.key,
            policy_version=policy.policy_version,
            outcome=verdict.outcome,
            actions=verdict.actions,
            detection_ids=tuple(d.id for d in detections),
            content=pinned,
            content_type=verdict.content_type or _content_type(detections),
            rationale=verdict.rationale,
            automation=_automation(verdict, detections),
            automated_detection=any(d.facts.source.automated for d in detections),
            dsa_source_type=_dsa_source_type(detections),
            dsa_category=policy.terms.dsa_category,
            dsa_ground=policy.terms.dsa_ground,
            idempotency_key=verdict.idempotency_key,
            supersedes=None if previous is None else previous.decision_id,
            batch_id=verdict.batch_id,
            required_confirmations=rules_for(policy.terms.confirmations, (a.type for a in verdict.actions)),
            dsa=verdict.dsa,
        )
        self._record(self.Decided, actor, at, decision=decision, account_id=account_id or self.account_id)
        if self.claim is not None and self.claim.policy_key == policy.key:
            self._record(self.Released, actor, at, holder=self.claim.holder, reason=ReleaseReason.DECIDED)
        return decision

    # Review: reports joining the case, claims, escalations, notes and priority.

    def receive_report(self, report_id: UUID, policy_key: str, actor: str, at: datetime) -> None:
        """Joins a report to the case; the next decision under its policy closes it."""
        self._record(self.Reported, actor, at, report_id=report_id, policy_key=policy_key)

    def open_reports_under(self, policy_key: str) -> list[UUID]:
        return list(self.open_reports.get(policy_key, []))

    def live_claim(self, at: datetime) -> Claim | None:
        """The claim on the case at `at`, if its lease still runs."""
        return self.claim if self.claim is not None and self.claim.live(at) else None

    def holder(self, at: datetime) -> str | None:
        """Who holds the case at `at`, if anyone's lease still runs."""
        claim = self.live_claim(at)
        return None if claim is None else claim.holder

    def check_not_held_by_another(self, actor: str, at: datetime, override: bool = False) -> None:
        """Refuses a change to a case someone else holds, unless the caller may override claims."""
        claim = self.live_claim(at)
        if claim is not None and claim.holder != actor and not override:
            until = claim.expires_at.isoformat()
            raise ConflictError(f"case {self.subject.key} is claimed by {claim.holder} until {until}")

    def claim_for(self, queue: str, policy_key: str, lease: timedelta, actor: str, at: datetime) -> Claim:
        """Leases the case to `actor`; a lease that ran out is recorded as expired first."""
        check_lease(lease)
        holder = self.holder(at)
        if holder is not None:
            raise ConflictError(f"case {self.subject.key} is already claimed by {holder}")
        if self.claim is not None:
            self._record(self.Released, actor, at, holder=self.claim.holder, reason=ReleaseReason.EXPIRED)
        self._record(self.Claimed, actor, at, queue=queue, policy_key=policy_key, expires_at=at + lease)
        assert self.claim is not None, "Claimed sets the claim"
        return self.claim

    def renew_claim(self, lease: timedelta, actor: str, at: datetime) -> Claim:
        check_lease(lease)
        if self.holder(at) != actor:
            raise ConflictError(f"{actor} holds no live claim on case {self.subject.key}")
        self._record(self.ClaimRenewed, actor, at, expires_at=at + lease)
        assert self.claim is not None, "ClaimRenewed keeps the claim"
        return self.claim

    def release(self, reason: ReleaseReason, actor: str, at: datetime) -> None:
        """Gives the case back to its queue; only its holder can, while the lease runs."""
        if self.holder(at) != actor:
            raise ConflictError(f"{actor} holds no live claim on case {self.subject.key}")
        self._record(self.Released, actor, at, holder=actor, reason=reason)

    def escalate(
        self, policy_key: str, queue: str, note: str, actor: str, at: datetime, override: bool = False
    ) -> None:
        """Sends the work under `policy_key` to another queue with a note; the escalator's claim ends."""
        check_text(note, "note")
        self.check_not_held_by_another(actor, at, override)
        self._record(
            self.Escalated, actor, at, policy_key=policy_key, queue=queue, note=note, account_id=self.account_id
        )
        if self.claim is not None and self.claim.policy_key == policy_key:
            self._record(self.Released, actor, at, holder=self.claim.holder, reason=ReleaseReason.ESCALATED)

    def add_note(self, policy_key: str | None, note: str, actor: str, at: datetime) -> None:
        check_text(note, "note")
        self._record(self.NoteAdded, actor, at, policy_key=policy_key, note=note, account_id=self.account_id)

    def prioritize(self, policy_key: str, priority: int, reason: str, actor: str, at: datetime) -> None:
        """Overrides the computed order: higher priorities come first, 0 is the default."""
        check_text(reason, "reason")
        if not isinstance(priority, int) or not -1000 <= priority <= 1000:
            raise ValidationError("priority must be an integer from -1000 to 1000", "priority")
        self._record(self.Prioritized, actor, at, policy_key=policy_key, priority=priority, reason=reason)


def _change_owed(case: Case, decision: Decision, change: Callable[[Obligation], Obligation]) -> None:
    """Changes what `decision` owes, found by their keys (as `obligations_of` made them), not among every obligation
    of the case: a case's replay would otherwise take time in the square of its decisions."""
    for rule in decision.required_confirmations:
        for system in rule.systems:
            key = (decision.decision_id, rule.action, system)
            owed = case.obligations.get(key)
            if owed is not None:
                case.obligations[key] = change(owed)


def _latest(detections: list[Detection]) -> Detection | None:
    return max(detections, key=lambda d: d.facts.detected_at, default=None)


def _latest_content(detections: list[Detection]) -> Content | None:
    latest = _latest([d for d in detections if d.facts.content is not None])
    return None if latest is None else latest.facts.content


def _automation(verdict: Verdict, detections: list[Detection]) -> AutomationLevel:
    """The verdict's automation level; a person's verdict that confirms an automation rule's recommendation (a
    verdict an LLM or VLM recorded in ASSIST mode) is partially automated."""
    if verdict.automation is AutomationLevel.NOT_AUTOMATED and any(_recommended(d) for d in detections):
        return AutomationLevel.PARTIALLY
    return AutomationLevel(verdict.automation)


def _recommended(detection: Detection) -> bool:
    facts = detection.facts
    automation = facts.evidence.get("automation")
    return (
        facts.source in (DetectionSource.LLM, DetectionSource.VLM) and isinstance(automation, dict)
        and automation.get("mode") == "ASSIST"
    )


def _content_type(detections: list[Detection]) -> ContentType | None:
    latest = _latest(detections)
    return None if latest is None else latest.facts.content_type


def _dsa_source_type(detections: list[Detection]) -> str:
    """Notices outrank own-initiative detection: a decision prompted by a notice is reported as one."""
    return prompted_by(d.facts.source.dsa_source_type for d in detections)
