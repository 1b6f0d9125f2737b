"""Indexes every ledger event by the domain, account and subject it touches, with a one-line summary.

An event names what it touches directly (a detection its subject and account) or through its
stream (a strike removal only its account's stream and the strike's id); the projection keeps
what each stream, strike and penalty touches in `event_index_refs` to resolve the latter.
An event counts for an account when it, or its case or appeal as known at that point of the
ledger, names the account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.account import Account
from domain.account_data import ERASED, AccountData
from domain.appeal import Appeal
from domain.automation import AutomationRule
from domain.batch import Batch
from domain.breaker import QaSample, RuleMonitor
from domain.case import Case
from domain.detection import Detection
from domain.notice import Notice, RecipientKind
from domain.policy import Policy
from domain.projection import Projection as ReadModel
from domain.protection import Protection
from domain.queue import Queue
from domain.report import Report
from domain.reporter import Reporter
from domain.routing import Routing
from domain.submission import StatementSubmission
from domain.webhook import Webhook
from projections.base import Projection
from projections.batch import Batch as Events
from projections.batch import Rows, Table
from projections.erasure import blank, erased_accounts
from projections.sql import Sql
from projections.values import uuid_text

MAX_SUMMARY = 300
MONITOR_EVENTS = (RuleMonitor.Started, RuleMonitor.Judged, RuleMonitor.ProviderFailed)
"""A rule's monitor's events, which touch what the rule touches."""

_INDEX = ("position", "type", "stream_id", "domain", "account_id", "subject_key", "actor", "occurred_at", "summary")
REFS = Table("event_index_refs", key=("ref_id",), columns=("ref_id", "domain", "account_id", "subject_key"))

Touches = tuple[str | None, str | None, str | None]
"""(domain, account id, subject key)"""


class AuditTrailProjection(Projection):
    name = "audit_trail"
    weight = 21
    tables = ("event_index", "event_index_refs")
    event_types = (
        Policy.Published,
        Policy.Revised,
        Policy.Retired,
        Detection.Recorded,
        Case.Opened,
        Case.Decided,
        Case.ActionsReversed,
        Case.ActionApplied,
        Case.ActionReversalApplied,
        Account.Registered,
        Account.StrikeIssued,
        Account.StrikeRemoved,
        Account.PenaltyImposed,
        Account.PenaltyLifted,
        Appeal.Filed,
        Appeal.Upheld,
        Appeal.Overturned,
        Report.Submitted,
        Report.Closed,
        Reporter.Registered,
        Reporter.Warned,
        Reporter.Suspended,
        Queue.Created,
        Queue.Updated,
        Routing.Created,
        Routing.Changed,
        Case.Reported,
        Case.Claimed,
        Case.ClaimRenewed,
        Case.Released,
        Case.Escalated,
        Case.NoteAdded,
        Case.Prioritized,
        Batch.Started,
        Batch.SubjectsDecided,
        Batch.Completed,
        Batch.ReversalStarted,
        Batch.SubjectsReversed,
        Batch.Reversed,
        ReadModel.Registered,
        ReadModel.EventSkipped,
        Webhook.Created,
        Webhook.SecretRotated,
        Webhook.Disabled,
        Webhook.Enabled,
        AutomationRule.Configured,
        AutomationRule.Reconfigured,
        AutomationRule.ModeChanged,
        AutomationRule.Evaluated,
        AutomationRule.Demoted,
        AutomationRule.Tripped,
        Protection.Protected,
        Protection.Reprotected,
        Protection.Unprotected,
        QaSample.Drawn,
        *MONITOR_EVENTS,
        StatementSubmission.Sent,
        StatementSubmission.Resent,
        StatementSubmission.Accepted,
        StatementSubmission.FoundStored,
        StatementSubmission.Rejected,
        StatementSubmission.Failed,
        AccountData.Registered,
        AccountData.Erased,
        AccountData.LegalHoldPlaced,
        AccountData.LegalHoldLifted,
        Account.LanguageSet,
        Notice.Issued,
        Notice.Delivered,
    )

    def apply_batch(self, events: Events, sql: Sql) -> None:
        refs = REFS.rows()
        streams, touched = touches(events, sql, refs)
        index = [
            (position, type(event).__qualname__, stream, domain, account, subject, event.actor, event.occurred_at,
             _clip(summary(event)))
            for (position, event), stream, (domain, account, subject) in zip(events, streams, touched, strict=True)
        ]
        refs.write(sql)
        if index:
            sql.insert_rows("event_index", _INDEX, index)
        blank(sql, "event_index", "summary", erased_accounts(events), ERASED_NOTE,
              " AND type IN ('Case.NoteAdded', 'Case.Escalated')")


ERASED_NOTE = f"note: {ERASED}"
"""The summary of a note or an escalation once its account's personal data is erased."""


def event_type_names() -> frozenset[str]:
    """The event types the index knows, as `events(filter: {eventTypes})` names them."""
    return frozenset(t.__qualname__ for t in AuditTrailProjection.event_types)


def touches(events: Events, sql: Sql, refs: Rows) -> tuple[list[str], list[Touches]]:
    """Each event's stream, and what each event of a batch after the index's position touches, as the index records
    it: by the references stored (read into `refs`) and those the events before it in the batch add (put in `refs`,
    not written)."""
    streams = [uuid_text(event.originator_id) for _, event in events]
    refs.fetch(sql, [(ref_id,) for (_, event), stream in zip(events, streams, strict=True)
                     for ref_id in _ref_ids(event, stream)])
    return streams, [_touches(event, stream, refs) for (_, event), stream in zip(events, streams, strict=True)]


def _ref_ids(event: Any, stream: str) -> tuple[str, ...]:
    """The ids whose references `_touches` reads or extends for `event` of `stream`."""
    ref_ids = _REF_IDS.get(type(event))
    return (stream,) if ref_ids is None else ref_ids(event, stream)


_REF_IDS: dict[type, Callable[[Any, str], tuple[str, ...]]] = {
    **dict.fromkeys((Detection.Recorded, Queue.Created, Queue.Updated), lambda event, stream: ()),
    Account.StrikeIssued: lambda event, stream: (stream, uuid_text(event.strike.strike_id)),
    Account.PenaltyImposed: lambda event, stream: (stream, uuid_text(event.penalty.penalty_id)),
    Account.StrikeRemoved: lambda event, stream: (uuid_text(event.strike_id),),
    Account.PenaltyLifted: lambda event, stream: (uuid_text(event.penalty_id),),
    **dict.fromkeys(MONITOR_EVENTS, lambda event, stream: (uuid_text(event.rule_id),)),
}
"""The types whose references are other than their stream's."""


def _touches(event: Any, stream: str, refs: Rows) -> Touches:
    touched = _TOUCHES.get(type(event))
    # Policy.Revised, Policy.Retired, Case.ActionsReversed, Case.ActionApplied, Case.ActionReversalApplied,
    # Appeal.Upheld, Appeal.Overturned, Account.LanguageSet, Notice.Delivered, ...: as their stream.
    return _recall(refs, stream) if touched is None else touched(event, stream, refs)


def _detected(event: Detection.Recorded, stream: str, refs: Rows) -> Touches:
    facts = event.facts
    return (facts.subject.domain, facts.account_id, facts.subject.key)


def _of_subject(event: Any, stream: str, refs: Rows) -> Touches:
    return _remember(refs, stream, (event.subject.domain, event.account_id, event.subject.key))


def _decided(event: Case.Decided, stream: str, refs: Rows) -> Touches:
    domain, account_id, subject_key = _recall(refs, stream)
    if event.account_id is not None and account_id is None:
        _remember(refs, stream, (domain, event.account_id, subject_key))
    return (domain, event.account_id or account_id, subject_key)


def _noticed(event: Notice.Issued, stream: str, refs: Rows) -> Touches:
    account_id = event.recipient_id if event.recipient_kind == RecipientKind.ACCOUNT else None
    return _remember(refs, stream, (event.subject.domain, account_id, event.subject.key))


def _struck(event: Account.StrikeIssued, stream: str, refs: Rows) -> Touches:
    account_id = _recall(refs, stream)[1]
    return _remember(refs, uuid_text(event.strike.strike_id), (event.strike.domain, account_id, None))


def _penalized(event: Account.PenaltyImposed, stream: str, refs: Rows) -> Touches:
    account_id = _recall(refs, stream)[1]
    return _remember(refs, uuid_text(event.penalty.penalty_id), (event.penalty.domain, account_id, None))


_TOUCHES: dict[type, Callable[[Any, str, Rows], Touches]] = {
    Detection.Recorded: _detected,
    **dict.fromkeys(
        (Policy.Published, AutomationRule.Configured, StatementSubmission.Sent),
        lambda event, stream, refs: _remember(refs, stream, (event.domain, None, None)),
    ),
    **dict.fromkeys((Case.Opened, Appeal.Filed, Report.Submitted, QaSample.Drawn), _of_subject),
    Case.Decided: _decided,
    **dict.fromkeys((Queue.Created, Queue.Updated), lambda event, stream, refs: (event.domain, None, None)),
    Notice.Issued: _noticed,
    Batch.Started: lambda event, stream, refs: _remember(refs, stream, (event.subjects[0].subject.domain, None, None)),
    **dict.fromkeys(
        (Account.Registered, Protection.Protected, AccountData.Registered),
        lambda event, stream, refs: _remember(refs, stream, (None, event.account_id, None)),
    ),
    **dict.fromkeys(MONITOR_EVENTS, lambda event, stream, refs: _recall(refs, uuid_text(event.rule_id))),
    Account.StrikeIssued: _struck,
    Account.PenaltyImposed: _penalized,
    Account.StrikeRemoved: lambda event, stream, refs: _recall(refs, uuid_text(event.strike_id)),
    Account.PenaltyLifted: lambda event, stream, refs: _recall(refs, uuid_text(event.penalty_id)),
}
"""What an event of each type touches; a type not here touches what its stream does."""


def _remember(refs: Rows, ref_id: str, touches: Touches) -> Touches:
    """Fills in what `ref_id`'s reference does not know yet; what it knows stands."""
    domain, account_id, subject_key = touches
    known = refs.get((ref_id,))
    if known is not None:
        domain = known["domain"] if known["domain"] is not None else domain
        account_id = known["account_id"] if known["account_id"] is not None else account_id
        subject_key = known["subject_key"] if known["subject_key"] is not None else subject_key
    refs.put({"ref_id": ref_id, "domain": domain, "account_id": account_id, "subject_key": subject_key})
    return touches


def _recall(refs: Rows, ref_id: str) -> Touches:
    row = refs.get((ref_id,))
    return (None, None, None) if row is None else (row["domain"], row["account_id"], row["subject_key"])


def summary(event: Any) -> str:
    """What happened, in one line."""
    return _SUMMARY_OF.get(type(event), enforcement_summary)(event)


def enforcement_summary(event: Any) -> str:
    """What happened to a policy, a detection, a case, an account or an appeal, in one line."""
    if isinstance(event, Detection.Recorded):  # first: the most of any ledger's events
        f = event.facts
        model = "" if f.model is None else f" by {f.model}"
        return f"{f.source} detection under {f.policy_key} (confidence {f.confidence:g}){model}"
    if isinstance(event, Policy.Published):
        t = event.terms
        return f"policy {event.domain}/{event.key} v1 published: {t.severity}, {_points(t.strike_points)}"
    if isinstance(event, Policy.Revised):
        t = event.terms
        return f"policy revised to v{event.policy_version}: {t.severity}, {_points(t.strike_points)}"
    if isinstance(event, Policy.Retired):
        return f"policy retired: {event.reason}"
    if isinstance(event, Case.Opened):
        return f"case opened for {event.subject.key}"
    if isinstance(event, Case.Decided):
        d = event.decision
        actions = ", ".join(_action(a) for a in d.actions)
        text = f"decided {d.outcome} under {d.policy_key} v{d.policy_version}"
        text += f": {actions}" if actions else ""
        return text + ("" if d.supersedes is None else f"; supersedes {d.supersedes}")
    if isinstance(event, Case.ActionsReversed):
        return f"actions of decision {event.decision_id} reversed: {event.reason}"
    if isinstance(event, Case.ActionApplied):
        done = "undone" if isinstance(event, Case.ActionReversalApplied) else "applied"
        ref = "" if event.external_ref is None else f" ({event.external_ref})"
        return (f"{event.system} confirmed {event.action} of decision {event.decision_id} {done} at "
                f"{event.applied_at.isoformat()}{ref}")
    if isinstance(event, Account.Registered):
        return f"account {event.account_id} registered"
    if isinstance(event, Account.StrikeIssued):
        s = event.strike
        return (f"strike of {_points(s.points)} under {s.domain}/{s.policy_key} for decision {s.decision_id}, "
                f"expires {s.expires_at.isoformat()}")
    if isinstance(event, Account.StrikeRemoved):
        return f"strike {event.strike_id} removed: {event.reason}"
    if isinstance(event, Account.PenaltyImposed):
        p = event.penalty
        until = "until lifted" if p.ends_at is None else f"until {p.ends_at.isoformat()}"
        return f"{p.kind} in {p.domain} at {_points(p.threshold)}, {until}"
    if isinstance(event, Account.PenaltyLifted):
        return f"penalty {event.penalty_id} lifted: {event.reason}"
    if isinstance(event, Account.LanguageSet):
        return f"account reads notices in {event.language}"
    if isinstance(event, Appeal.Filed):
        return f"appeal filed against decision {event.decision_id} under {event.policy_key}"
    if isinstance(event, Appeal.Upheld):
        return f"appeal upheld: {event.rationale}"
    if isinstance(event, Appeal.Overturned):
        return f"appeal overturned: {event.rationale}"
    return review_summary(event)


def review_summary(event: Any) -> str:
    """What happened in human review, in one line."""
    if isinstance(event, Report.Submitted):
        return f"{event.reporter_kind} report by {event.reporter_id} under {event.policy_key}"
    if isinstance(event, Report.Closed):
        return f"report closed: {event.outcome}; the reporter was told: {event.told}"
    if isinstance(event, Reporter.Warned):
        return f"reporter warned: {event.reason}"
    if isinstance(event, Reporter.Suspended):
        return f"reporter's notices suspended until {event.until.isoformat()}: {event.reason}"
    if isinstance(event, (Queue.Created, Queue.Updated)):
        return f"queue {event.name} ({event.domain}): {event.description}"
    if isinstance(event, Routing.Changed):
        return f"routing changed: {len(event.rules)} rules, default queue {event.default_queue}"
    if isinstance(event, Case.Reported):
        return f"report {event.report_id} joined the case under {event.policy_key}"
    if isinstance(event, Case.Claimed):
        return f"claimed from queue {event.queue} under {event.policy_key} until {event.expires_at.isoformat()}"
    if isinstance(event, Case.ClaimRenewed):
        return f"claim renewed until {event.expires_at.isoformat()}"
    if isinstance(event, Case.Released):
        return f"claim of {event.holder} ended: {event.reason}"
    if isinstance(event, Case.Escalated):
        return f"escalated under {event.policy_key} to queue {event.queue}: {event.note}"
    if isinstance(event, Case.NoteAdded):
        return f"note: {event.note}"
    if isinstance(event, Case.Prioritized):
        return f"priority under {event.policy_key} set to {event.priority}: {event.reason}"
    return batch_summary(event)


def batch_summary(event: Any) -> str:
    """What happened to a bulk decision, in one line."""
    if isinstance(event, Batch.Started):
        return f"batch of {len(event.subjects)} subjects started: {event.verdict.outcome} under {event.policy_key}"
    if isinstance(event, (Batch.SubjectsDecided, Batch.SubjectsReversed)):
        done = "decided" if isinstance(event, Batch.SubjectsDecided) else "reversed"
        return f"{len(event.results)} subjects of the batch {done}"
    if isinstance(event, Batch.ReversalStarted):
        return f"batch reversal started: {event.rationale}"
    if isinstance(event, (Batch.Completed, Batch.Reversed)):
        return f"batch {type(event).__name__.lower()}"
    return operations_summary(event)


def operations_summary(event: Any) -> str:
    """What operators did about the read models and webhooks, in one line."""
    if isinstance(event, ReadModel.Registered):
        return f"read model {event.read_model} first steered by an operator"
    if isinstance(event, ReadModel.EventSkipped):
        return (f"read model {event.read_model} skipped position {event.position} ({event.event_type}), which it "
                f"cannot apply: {event.reason}")
    if isinstance(event, Webhook.Created):
        return f"webhook to {event.url} created"
    if isinstance(event, Webhook.SecretRotated):
        return (f"webhook signing secret rotated to v{event.secret_version}; v{event.secret_version - 1} signs "
                f"until {event.previous_expires_at.isoformat()}")
    if isinstance(event, Webhook.Disabled):
        return f"webhook disabled: {event.reason}"
    if isinstance(event, Webhook.Enabled):
        return "webhook enabled"
    return automation_summary(event)


def automation_summary(event: Any) -> str:
    """What happened to an automation rule or an account's protection from it, in one line."""
    if isinstance(event, (AutomationRule.Configured, AutomationRule.Reconfigured)):
        s = event.settings
        actions = ", ".join(s.allowed_actions)
        head = f"automation rule for {event.policy_key} configured" if isinstance(
            event, AutomationRule.Configured) else "automation rule reconfigured"
        return f"{head}: {s.route.model} at threshold {s.threshold:g} against v{event.policy_version}, may {actions}"
    if isinstance(event, AutomationRule.ModeChanged):
        return f"automation mode {event.previous} -> {event.mode}: {event.reason}"
    if isinstance(event, AutomationRule.Evaluated):
        f = event.figures
        return (f"evaluated on {f.samples} golden items against v{f.policy_version}: precision {f.precision:.3f}, "
                f"recall {f.recall:.3f}, kappa {f.kappa:.3f}")
    if isinstance(event, AutomationRule.Demoted):  # a Tripped event too: its reason names the breaker
        return f"automation demoted to SHADOW: {event.reason}"
    if isinstance(event, (Protection.Protected, Protection.Reprotected)):
        return f"account protected from automated decisions: {event.reason}"
    if isinstance(event, Protection.Unprotected):
        return f"account's protection from automated decisions lifted: {event.reason}"
    if isinstance(event, QaSample.Drawn):
        return f"automated decision {event.decision_id} drawn for human QA"
    if isinstance(event, RuleMonitor.Judged):
        verdict = "agreed with" if event.agreed else "disagreed with"
        return (f"{event.kind} {verdict} automated decision {event.decision_id}: {event.agreed_in_window} of "
                f"{event.judged} judgments in the window agree")
    if isinstance(event, RuleMonitor.ProviderFailed):
        return f"model provider failed {event.count}x ({event.in_window} in the window): {event.reason}"
    return submission_summary(event)


def submission_summary(event: Any) -> str:
    """What the DSA Transparency Database was sent of a statement of reasons and what it answered, in one line."""
    if isinstance(event, StatementSubmission.Sent):
        return f"statement of reasons {event.puid} sent to the DSA Transparency Database"
    if isinstance(event, StatementSubmission.Resent):
        return "statement of reasons sent again"
    if isinstance(event, StatementSubmission.Accepted | StatementSubmission.FoundStored):
        how = "stored it" if isinstance(event, StatementSubmission.Accepted) else "had it already"
        return f"the DSA Transparency Database {how}" + (
            "" if event.database_uuid is None else f" as {event.database_uuid}")
    if isinstance(event, StatementSubmission.Rejected):
        return f"the DSA Transparency Database refused the statement: {event.reason}"
    if isinstance(event, StatementSubmission.Failed):
        return f"the DSA Transparency Database did not store the statement: {event.reason}"
    return account_data_summary(event)


def account_data_summary(event: Any) -> str:
    """What happened to an account's personal data, in one line."""
    if isinstance(event, AccountData.Registered):
        return "account's personal data on record"
    if isinstance(event, AccountData.Erased):
        return f"account's personal data erased (key deleted): {event.reason}"
    if isinstance(event, AccountData.LegalHoldPlaced):
        return f"legal hold placed by {event.authority}: {event.reason}"
    if isinstance(event, AccountData.LegalHoldLifted):
        return f"legal hold lifted by {event.authority}: {event.reason}"
    return notice_summary(event)


def notice_summary(event: Any) -> str:
    """What a person was told, and whether it reached them, in one line."""
    if isinstance(event, Notice.Issued):
        return (f"{event.kind} notice to {event.recipient_kind.lower()} {event.recipient_id} in {event.language} "
                f"about decision {event.decision_id} under {event.policy_key} v{event.policy_version}")
    if isinstance(event, Notice.Delivered):
        ref = "" if event.external_ref is None else f" ({event.external_ref})"
        return f"notice delivered by {event.channel} at {event.delivered_at.isoformat()}{ref}"
    return type(event).__qualname__


def _points(points: int) -> str:
    return f"{points} strike point" + ("" if points == 1 else "s")


def _action(action: Any) -> str:
    scope = f" in {'/'.join(action.territories)}" if action.territories else ""
    return f"{action.type}{scope}"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1] + "…"


_SUMMARY_OF: dict[type, Callable[[Any], str]] = {
    **dict.fromkeys((
        Report.Submitted, Report.Closed, Reporter.Registered, Reporter.Warned, Reporter.Suspended, Queue.Created,
        Queue.Updated, Routing.Created, Routing.Changed, Case.Reported, Case.Claimed, Case.ClaimRenewed, Case.Released,
        Case.Escalated, Case.NoteAdded, Case.Prioritized,
    ), review_summary),
    **dict.fromkeys((
        Batch.Started, Batch.SubjectsDecided, Batch.Completed, Batch.ReversalStarted, Batch.SubjectsReversed,
        Batch.Reversed,
    ), batch_summary),
    **dict.fromkeys((
        ReadModel.Registered, ReadModel.EventSkipped, Webhook.Created, Webhook.SecretRotated, Webhook.Disabled,
        Webhook.Enabled,
    ), operations_summary),
    **dict.fromkeys((
        AutomationRule.Configured, AutomationRule.Reconfigured, AutomationRule.ModeChanged, AutomationRule.Evaluated,
        AutomationRule.Demoted, AutomationRule.Tripped, Protection.Protected, Protection.Reprotected,
        Protection.Unprotected, QaSample.Drawn, *MONITOR_EVENTS,
    ), automation_summary),
    **dict.fromkeys((
        StatementSubmission.Sent, StatementSubmission.Resent, StatementSubmission.Accepted,
        StatementSubmission.FoundStored, StatementSubmission.Rejected, StatementSubmission.Failed,
    ), submission_summary),
    **dict.fromkeys((
        AccountData.Registered, AccountData.Erased, AccountData.LegalHoldPlaced, AccountData.LegalHoldLifted,
    ), account_data_summary),
    **dict.fromkeys((Notice.Issued, Notice.Delivered), notice_summary),
}
"""Which of the summaries above says what an event of each type did, so that `summary` goes straight to it; every
other type is `enforcement_summary`'s (each summary hands a type it does not know on to the next)."""
