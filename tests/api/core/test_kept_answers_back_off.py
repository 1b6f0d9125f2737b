"""A request shape whose kept answers keep being found no longer holding stops looking at them for a while, by
requests that double with each such find; one that holds ends it. Each shape on its own."""

from __future__ import annotations

from app.graphql.core.answers import BACK_OFF_AFTER, MOST_SKIPPED, Answers


def skipped_before_a_look(answers: Answers, shape: str) -> int:
    skipped = 0
    while not answers.trying(shape):
        skipped += 1
    return skipped


def test_a_shape_stale_again_and_again_skips_doubling_requests_up_to_a_bound() -> None:
    answers = Answers()
    skips = []
    for _ in range(BACK_OFF_AFTER + 8):
        answers.found("account", held=False)
        skips.append(skipped_before_a_look(answers, "account"))

    assert skips == [0] * (BACK_OFF_AFTER - 1) + [1, 2, 4, 8, 16, 32, 64, 64, 64]
    assert max(skips) == MOST_SKIPPED


def test_an_answer_that_holds_ends_the_back_off_and_other_shapes_never_back_off() -> None:
    answers = Answers()
    for _ in range(BACK_OFF_AFTER + 2):
        answers.found("account", held=False)
    assert answers.trying("events") and not answers.trying("account")

    answers.found("account", held=True)
    answers.found("account", held=False)

    assert answers.trying("account")
