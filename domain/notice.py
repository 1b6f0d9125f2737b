"""Notice: what a person is told of a decision (DSA Art. 17) or of their report's outcome (Art. 16(5)), and whether the
notification service delivered it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.case import Decision
from domain.confirmation import CLOCK_SKEW
from domain.dsa import ACCOUNT, MONETARY, PENALTY_DECISIONS
from domain.errors import ValidationError
from domain.notice_wording import (
    WORDING,
    NoticeKind,
    Wording,
    actions_phrase,
    day,
    moment,
    notice_language,
    render,
    template_for,
    territories_phrase,
    until,
)
from domain.policy import PolicyTerms
from domain.standing import Penalty
from domain.values import Action, AutomationLevel, Outcome, Subject, check_identifier, check_name, check_time


class RecipientKind(StrEnum):
    ACCOUNT = "ACCOUNT"
    REPORTER = "REPORTER"


@dataclass(frozen=True)
class Decided:
    """What a notice says of a decision: the decision, on what, under which policy version, when, and until when it
    can be appealed."""

    decision: Decision
    subject: Subject
    policy: PolicyTerms
    decided_at: datetime
    appeal_window: timedelta
    penalty: Penalty | None = None
    """The penalty the decision's strike brought, if it brought one."""

    def facts(self, language: str) -> dict[str, str]:
        """The placeholders' values in `language`."""
        wording = WORDING[language]
        actions: tuple[Action, ...] = self.decision.actions
        return {
            "policy_title": self.policy.title,
            "policy_version": str(self.decision.policy_version),
            "subject_kind": self.subject.kind.replace("_", " "),
            "decided_on": day(self.decided_at),
            "actions": "; ".join(p for p in (actions_phrase(wording, actions), self._penalty(wording)) if p),
            "automation": wording.automation[self.decision.automation],
            "territories": territories_phrase(wording, actions),
            "appeal": wording.appeal.format(deadline=moment(self.appeal_deadline)),
            "outcome": wording.outcomes[self.decision.outcome],
        }

    @property
    def appeal_deadline(self) -> datetime:
        return self.decided_at + self.appeal_window

    def _penalty(self, wording: Wording) -> str:
        """The penalty, worded as the action that does the same (none for a feature limit), with its end."""
        if self.penalty is None:
            return ""
        action = _PENALTY_ACTIONS.get(self.penalty.dsa_decision or PENALTY_DECISIONS[self.penalty.kind])
        phrase = wording.features_limited if action is None else wording.actions[action]
        return wording.penalty.format(phrase=until(wording, phrase, self.penalty.ends_at))


_PENALTY_ACTIONS = {decision: action for action, decision in (ACCOUNT | MONETARY).items()}
"""The action type that words a penalty, by what it is in a statement of reasons."""


class Notice(DocketAggregate):
    """One notice to one person about one decision or report: issued once, delivered once."""

    if TYPE_CHECKING:
        kind: NoticeKind
        recipient_kind: RecipientKind
        recipient_id: str
        subject: Subject
        decision_id: UUID
        report_id: UUID | None
        policy_key: str
        policy_version: int
        outcome: Outcome
        automation: AutomationLevel
        territories: tuple[str, ...]
        appeal_deadline: datetime | None
        language: str
        text: str
        issued_at: datetime
        delivered_at: datetime | None
        channel: str | None

    @staticmethod
    def create_id(about: UUID, recipient_kind: RecipientKind, recipient_id: str) -> UUID:
        """One notice per decision (or report) and recipient: a decision retried issues none again."""
        return natural_id("notice", str(about), str(recipient_kind), recipient_id)

    class Issued(DocketAggregate.Created):
        kind: NoticeKind
        recipient_kind: RecipientKind
        recipient_id: str
        subject: Subject
        decision_id: UUID
        report_id: UUID | None
        policy_key: str
        policy_version: int
        outcome: Outcome
        automation: AutomationLevel
        territories: tuple[str, ...]
        """Where the decision applies; empty: everywhere."""
        appeal_deadline: datetime | None
        language: str
        text: str

        def apply(self, notice: Notice) -> None:
            notice.kind = NoticeKind(self.kind)
            notice.recipient_kind = RecipientKind(self.recipient_kind)
            notice.recipient_id = self.recipient_id
            notice.subject = self.subject
            notice.decision_id = self.decision_id
            notice.report_id = self.report_id
            notice.policy_key = self.policy_key
            notice.policy_version = self.policy_version
            notice.outcome = Outcome(self.outcome)
            notice.automation = AutomationLevel(self.automation)
            notice.territories = tuple(self.territories)
            notice.appeal_deadline = self.appeal_deadline
            notice.language = self.language
            notice.text = self.text
            notice.issued_at = self.occurred_at
            notice.delivered_at = None
            notice.channel = None

    class Delivered(DocketAggregate.Event):
        channel: str
        delivered_at: datetime
        external_ref: str | None

        def apply(self, notice: Notice) -> None:
            notice.delivered_at = self.delivered_at
            notice.channel = self.channel

    @classmethod
    def of_decision(cls, decided: Decided, account_id: str, language: str | None, actor: str, at: datetime) -> Notice:
        """The affected account's notice of a restrictive decision, in its language when Docket has words for it."""
        decision = decided.decision
        assert decision.outcome is Outcome.VIOLATING, "only a restrictive decision is noticed to its account"
        written_in = notice_language(language)
        text = render(template_for(NoticeKind.DECISION, written_in, decided.policy.notice_templates),
                      decided.facts(written_in))
        return cls._issue(decided, NoticeKind.DECISION, RecipientKind.ACCOUNT, account_id, None, written_in, text,
                          decided.appeal_deadline, actor, at)

    @classmethod
    def of_report(
        cls, decided: Decided, report_id: UUID, reporter_id: str, language: str | None, actor: str, at: datetime
    ) -> Notice:
        """A reporter's notice of what came of their report."""
        written_in = notice_language(language)
        text = render(template_for(NoticeKind.REPORT_OUTCOME, written_in, decided.policy.notice_templates),
                      decided.facts(written_in))
        return cls._issue(decided, NoticeKind.REPORT_OUTCOME, RecipientKind.REPORTER, reporter_id, report_id,
                          written_in, text, None, actor, at)

    @classmethod
    def _issue(
        cls, decided: Decided, kind: NoticeKind, recipient_kind: RecipientKind, recipient_id: str,
        report_id: UUID | None, language: str, text: str, appeal_deadline: datetime | None, actor: str, at: datetime,
    ) -> Notice:
        decision = decided.decision
        actions = decision.actions
        territories = () if any(not a.territories for a in actions) else tuple(
            sorted({c for a in actions for c in a.territories})
        )
        return cls._start(
            cls.Issued, cls.create_id(report_id or decision.decision_id, recipient_kind, recipient_id), actor, at,
            kind=kind, recipient_kind=recipient_kind, recipient_id=recipient_id, subject=decided.subject,
            decision_id=decision.decision_id, report_id=report_id, policy_key=decision.policy_key,
            policy_version=decision.policy_version, outcome=decision.outcome, automation=decision.automation,
            territories=territories, appeal_deadline=appeal_deadline, language=language, text=text,
        )

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None

    def confirm_delivered(
        self, channel: str, delivered_at: datetime, external_ref: str | None, actor: str, at: datetime
    ) -> bool:
        """Records that the notification service delivered the notice; False for a repeat, which records nothing."""
        delivered_at = check_delivery(channel, delivered_at, external_ref)
        if self.delivered:
            return False
        if delivered_at < self.issued_at - CLOCK_SKEW or delivered_at > at + CLOCK_SKEW:
            raise ValidationError(
                f"deliveredAt must lie between the notice's issue ({self.issued_at.isoformat()}) and now, give or "
                f"take {int(CLOCK_SKEW.total_seconds() // 60)} minutes of clock skew", "deliveredAt",
            )
        self._record(self.Delivered, actor, at, channel=channel, delivered_at=delivered_at, external_ref=external_ref)
        return True


def check_delivery(channel: str, delivered_at: datetime, external_ref: str | None) -> datetime:
    """What a delivery confirmation says, checked before whether its notice exists; `delivered_at` in UTC."""
    check_name(channel, "channel")
    if external_ref is not None:
        check_identifier(external_ref, "externalRef")
    return check_time(delivered_at, "deliveredAt")
