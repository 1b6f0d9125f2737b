"""Routing: ordered rules, the first match wins, else the default queue; every queue named must exist."""

import pytest

from domain.errors import ValidationError
from domain.queue import Queue
from domain.routing import Routing, RoutingRule, WorkFacts, route
from tests.domain.factories import at


def work(**changes: object) -> WorkFacts:
    values: dict[str, object] = {
        "domain": "trust_safety", "policy_key": "spam", "subject_kind": "pin", "severity": "MEDIUM",
        "sources": frozenset({"CLASSIFIER"}), "reporter_kinds": frozenset(), "max_confidence": 0.7,
    }
    values.update(changes)
    return WorkFacts(**values)  # type: ignore[arg-type]


RULES = [
    RoutingRule("ts_priority", reporter_kinds=("TRUSTED_FLAGGER", "AUTHORITY")),
    RoutingRule("ts_severe", severities=("HIGH", "CRITICAL")),
    RoutingRule("ts_confident", sources=("CLASSIFIER", "HASH_MATCH"), min_confidence=0.9),
    RoutingRule("ads", domains=("ads",)),
    RoutingRule("ts_boards", subject_kinds=("board",), policies=("spam",)),
]


@pytest.mark.parametrize(
    ("changes", "queue"),
    [
        ({"reporter_kinds": frozenset({"USER", "AUTHORITY"}), "severity": "HIGH"}, "ts_priority"),
        ({"severity": "CRITICAL", "max_confidence": 0.95}, "ts_severe"),
        ({"max_confidence": 0.95}, "ts_confident"),
        ({"max_confidence": 0.95, "sources": frozenset({"LLM"})}, "general"),
        ({"domain": "ads"}, "ads"),
        ({"subject_kind": "board"}, "ts_boards"),
        ({}, "general"),
    ],
)
def test_the_first_matching_rule_picks_the_queue_else_the_default(changes: dict[str, object], queue: str) -> None:
    assert route(RULES, "general", work(**changes)) == queue


def test_without_a_routing_table_work_is_in_no_queue() -> None:
    assert route([], None, work()) is None


def test_a_routing_table_naming_an_unknown_queue_is_refused_with_nothing_recorded() -> None:
    routing = Routing.create("ops:lee", at())
    routing.collect_events()

    with pytest.raises(ValidationError) as error:
        routing.change(RULES[:2], "general", {"ts_priority", "general"}, "ops:lee", at())
    assert error.value.field == "rules[1].queue"
    with pytest.raises(ValidationError) as error:
        routing.change(RULES[:1], "nowhere", {"ts_priority", "general"}, "ops:lee", at())
    assert error.value.field == "defaultQueue"
    with pytest.raises(ValidationError) as error:
        routing.change([RoutingRule("general", sources=("PIGEON",))], "general", {"general"}, "ops:lee", at())
    assert error.value.field == "rules[0].sources"
    assert routing.collect_events() == []


def test_a_routing_change_records_the_whole_order() -> None:
    routing = Routing.create("ops:lee", at())
    routing.change(RULES, "general", {r.queue for r in RULES} | {"general"}, "ops:lee", at())

    _, changed = routing.collect_events()
    assert isinstance(changed, Routing.Changed)
    assert [r.queue for r in changed.rules] == [r.queue for r in RULES]
    assert changed.default_queue == "general"


def test_a_queue_is_named_once_and_updating_it_to_the_same_values_records_nothing() -> None:
    queue = Queue.create("ts_general", "trust_safety", "Everyday review", "ops:lee", at())

    assert queue.id == Queue.create_id("ts_general")
    queue.update("trust_safety", "Everyday review", "ops:lee", at())
    queue.update("trust_safety", "Everyday review, EU hours", "ops:lee", at())
    assert [type(e).__name__ for e in queue.collect_events()] == ["Created", "Updated"]
    with pytest.raises(ValidationError):
        Queue.create("TS General", "trust_safety", "x", "ops:lee", at())
