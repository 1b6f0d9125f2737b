"""Shadow agreement's figures from counts of (rule verdict, human decision) pairs, scored with scikit-learn."""

from __future__ import annotations

from collections.abc import Mapping

from sklearn.metrics import cohen_kappa_score, precision_score, recall_score

from domain.automation import AgreementFigures

PAIRS = ((0, 0), (0, 1), (1, 0), (1, 1))
"""(human, rule) in scikit-learn's confusion-matrix order: the human decision is the label."""


def agreement_figures(policy_version: int, counts: Mapping[tuple[int, int], int], position: int) -> AgreementFigures:
    """Precision, recall and Cohen's kappa of the rule's verdicts against the human decisions, each (human, rule)
    pair weighted by how often it occurred."""
    weights = [counts.get(pair, 0) for pair in PAIRS]
    human = [h for h, _ in PAIRS]
    rule = [r for _, r in PAIRS]
    samples = sum(weights)
    if samples == 0:
        return AgreementFigures(policy_version, 0, 0.0, 0.0, 0.0, ((0, 0), (0, 0)), position)
    # Undefined when the rule and the humans only ever gave one and the same label: no agreement beyond chance shown.
    one_label = samples in (weights[0], weights[3])
    kappa = 0.0 if one_label else cohen_kappa_score(human, rule, labels=[0, 1], sample_weight=weights)
    return AgreementFigures(
        policy_version=policy_version,
        samples=samples,
        precision=round(float(precision_score(human, rule, sample_weight=weights, zero_division=0)), 4),
        recall=round(float(recall_score(human, rule, sample_weight=weights, zero_division=0)), 4),
        kappa=round(float(kappa), 4),
        confusion=((weights[0], weights[1]), (weights[2], weights[3])),
        position=position,
    )
