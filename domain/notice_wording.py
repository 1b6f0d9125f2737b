"""What notices to people say: the default templates, a policy's own, and the phrases that fill them, per language.

Templates are `string.Template` texts: `$name` placeholders and nothing else, so a policy's own template can name
only the facts listed here, never an attribute or a call. They are filled from the policy's words and the decision's
structured facts alone, never from evidence, notes or report text (no personal data in notices).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from string import Template

from domain.errors import ValidationError
from domain.values import Action, ActionType, AutomationLevel, Outcome, check_text, parse_enum

DEFAULT_LANGUAGE = "EN"
MAX_TEMPLATE = 5_000


class NoticeKind(StrEnum):
    DECISION = "DECISION"
    """To the affected account: what was decided about its content or itself, and how to appeal."""
    REPORT_OUTCOME = "REPORT_OUTCOME"
    """To a reporter: what came of their report."""


PLACEHOLDERS = {
    NoticeKind.DECISION: frozenset(
        {"policy_title", "policy_version", "subject_kind", "decided_on", "actions", "automation", "territories",
         "appeal"}
    ),
    NoticeKind.REPORT_OUTCOME: frozenset({"policy_title", "policy_version", "subject_kind", "decided_on", "outcome"}),
}
"""The facts each kind of notice may name."""


@dataclass(frozen=True)
class NoticeTemplate:
    """A policy's own wording of one kind of notice in one language, in place of the default."""

    kind: NoticeKind
    language: str
    """ISO 639-1, upper case: one Docket has phrases in (WORDING)."""
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", parse_enum(NoticeKind, self.kind, "noticeTemplates.kind"))

    def validate(self) -> NoticeTemplate:
        if self.language not in WORDING:
            raise ValidationError(
                f"noticeTemplates.language must be one of {', '.join(sorted(WORDING))}, not {self.language!r}",
                "noticeTemplates.language",
            )
        check_text(self.text, "noticeTemplates.text", MAX_TEMPLATE)
        template = Template(self.text)
        if not template.is_valid():
            raise ValidationError("noticeTemplates.text has a $ that names nothing; write $$ for a dollar sign",
                                  "noticeTemplates.text")
        unknown = set(template.get_identifiers()) - PLACEHOLDERS[self.kind]
        if unknown:
            raise ValidationError(
                f"noticeTemplates.text names {', '.join(sorted(unknown))}; a {self.kind} notice may name "
                f"{', '.join(sorted(PLACEHOLDERS[self.kind]))}",
                "noticeTemplates.text",
            )
        return self


def check_templates(templates: tuple[NoticeTemplate, ...]) -> None:
    """Each template valid, and at most one per kind and language."""
    for template in templates:
        template.validate()
    if len({(t.kind, t.language) for t in templates}) != len(templates):
        raise ValidationError("noticeTemplates must not give two texts for one kind and language",
                              "noticeTemplates")


@dataclass(frozen=True)
class Wording:
    """One language's default templates and the phrases that fill them."""

    templates: Mapping[NoticeKind, str]
    actions: Mapping[ActionType, str]
    automation: Mapping[AutomationLevel, str]
    outcomes: Mapping[Outcome, str]
    everywhere: str
    within: str
    """Where a restriction applies, given the countries: `{codes}`."""
    until: str
    """When a restriction ends: `{day}`."""
    appeal: str
    """How to appeal, and until when: `{deadline}`."""
    features_limited: str
    """A ladder's feature limit, which no action type names."""
    penalty: str
    """A penalty the decision's strike brought: `{phrase}`."""


_EN = Wording(
    templates={
        NoticeKind.DECISION: (
            "We have restricted your $subject_kind because it breaks our policy \"$policy_title\" "
            "(version $policy_version).\n"
            "Decided on: $decided_on\n"
            "What we did: $actions.\n"
            "Where it applies: $territories.\n"
            "How it was decided: $automation.\n"
            "$appeal"
        ),
        NoticeKind.REPORT_OUTCOME: (
            "Thank you for your report. We reviewed the $subject_kind you reported against our policy "
            "\"$policy_title\" (version $policy_version) on $decided_on: $outcome"
        ),
    },
    actions={
        ActionType.REMOVE: "the content was removed",
        ActionType.DISABLE: "access to the content was disabled",
        ActionType.DEMOTE: "the content is shown to fewer people",
        ActionType.AGE_RESTRICT: "the content was age-restricted",
        ActionType.LABEL: "a label was added to the content",
        ActionType.RESTRICT_INTERACTION: "interaction with the content was restricted",
        ActionType.DEMONETIZE: "the content no longer earns revenue",
        ActionType.SUSPEND_PAYOUTS: "your payouts were suspended",
        ActionType.END_MONETIZATION: "your account was removed from the monetization programme",
        ActionType.REJECT_AD: "the advertisement was rejected",
        ActionType.DELIST_PRODUCT: "the product was delisted",
        ActionType.SUSPEND_ACCOUNT: "your account was suspended",
        ActionType.TERMINATE_ACCOUNT: "your account was terminated",
    },
    automation={
        AutomationLevel.FULLY: "by automated means, without human review",
        AutomationLevel.PARTIALLY: "by a person, with automated means assisting",
        AutomationLevel.NOT_AUTOMATED: "by a person, without automated means",
    },
    outcomes={
        Outcome.VIOLATING: "it breaks the policy, and we have acted on it.",
        Outcome.NOT_VIOLATING: "it does not break the policy, so we took no action.",
    },
    everywhere="everywhere",
    within="in {codes}",
    until="until {day}",
    appeal=(
        "You can appeal this decision until {deadline}: reply to this notice or use the appeals form in your account "
        "settings, and someone who did not take the decision will review it. You may also turn to a certified "
        "out-of-court dispute settlement body or to a court."
    ),
    features_limited="some features of your account were limited",
    penalty="{phrase}, because of the strikes on your account",
)

_DE = Wording(
    templates={
        NoticeKind.DECISION: (
            "Wir haben Ihren Inhalt ($subject_kind) eingeschränkt, weil er gegen unsere Richtlinie \"$policy_title\" "
            "(Version $policy_version) verstößt.\n"
            "Entschieden am: $decided_on\n"
            "Was wir getan haben: $actions.\n"
            "Wo es gilt: $territories.\n"
            "Wie entschieden wurde: $automation.\n"
            "$appeal"
        ),
        NoticeKind.REPORT_OUTCOME: (
            "Vielen Dank für Ihre Meldung. Wir haben den gemeldeten Inhalt ($subject_kind) am $decided_on anhand "
            "unserer Richtlinie \"$policy_title\" (Version $policy_version) geprüft: $outcome"
        ),
    },
    actions={
        ActionType.REMOVE: "der Inhalt wurde entfernt",
        ActionType.DISABLE: "der Zugang zum Inhalt wurde gesperrt",
        ActionType.DEMOTE: "der Inhalt wird weniger Personen angezeigt",
        ActionType.AGE_RESTRICT: "der Inhalt wurde mit einer Altersbeschränkung versehen",
        ActionType.LABEL: "der Inhalt wurde gekennzeichnet",
        ActionType.RESTRICT_INTERACTION: "die Interaktion mit dem Inhalt wurde eingeschränkt",
        ActionType.DEMONETIZE: "der Inhalt erzielt keine Einnahmen mehr",
        ActionType.SUSPEND_PAYOUTS: "Ihre Auszahlungen wurden ausgesetzt",
        ActionType.END_MONETIZATION: "Ihr Konto wurde aus dem Monetarisierungsprogramm entfernt",
        ActionType.REJECT_AD: "die Anzeige wurde abgelehnt",
        ActionType.DELIST_PRODUCT: "das Produkt wurde aus dem Angebot genommen",
        ActionType.SUSPEND_ACCOUNT: "Ihr Konto wurde gesperrt",
        ActionType.TERMINATE_ACCOUNT: "Ihr Konto wurde gekündigt",
    },
    automation={
        AutomationLevel.FULLY: "automatisiert, ohne menschliche Prüfung",
        AutomationLevel.PARTIALLY: "von einer Person, unterstützt durch automatisierte Mittel",
        AutomationLevel.NOT_AUTOMATED: "von einer Person, ohne automatisierte Mittel",
    },
    outcomes={
        Outcome.VIOLATING: "Er verstößt gegen die Richtlinie, und wir haben Maßnahmen ergriffen.",
        Outcome.NOT_VIOLATING: "Er verstößt nicht gegen die Richtlinie, daher haben wir nichts unternommen.",
    },
    everywhere="überall",
    within="in {codes}",
    until="bis {day}",
    appeal=(
        "Sie können bis {deadline} Beschwerde gegen diese Entscheidung einlegen: Antworten Sie auf diese Mitteilung "
        "oder nutzen Sie das Beschwerdeformular in Ihren Kontoeinstellungen; eine Person, die nicht an der "
        "Entscheidung beteiligt war, prüft sie. Sie können sich auch an eine zertifizierte außergerichtliche "
        "Streitbeilegungsstelle oder an ein Gericht wenden."
    ),
    features_limited="einige Funktionen Ihres Kontos wurden eingeschränkt",
    penalty="{phrase}, wegen der Verstöße auf Ihrem Konto",
)

_FR = Wording(
    templates={
        NoticeKind.DECISION: (
            "Nous avons restreint votre contenu ($subject_kind), car il enfreint notre règle « $policy_title » "
            "(version $policy_version).\n"
            "Décidé le : $decided_on\n"
            "Ce que nous avons fait : $actions.\n"
            "Où cela s'applique : $territories.\n"
            "Comment la décision a été prise : $automation.\n"
            "$appeal"
        ),
        NoticeKind.REPORT_OUTCOME: (
            "Merci pour votre signalement. Le $decided_on, nous avons examiné le contenu signalé ($subject_kind) au "
            "regard de notre règle « $policy_title » (version $policy_version) : $outcome"
        ),
    },
    actions={
        ActionType.REMOVE: "le contenu a été retiré",
        ActionType.DISABLE: "l'accès au contenu a été bloqué",
        ActionType.DEMOTE: "le contenu est montré à moins de personnes",
        ActionType.AGE_RESTRICT: "le contenu a été soumis à une restriction d'âge",
        ActionType.LABEL: "une mention a été ajoutée au contenu",
        ActionType.RESTRICT_INTERACTION: "les interactions avec le contenu ont été restreintes",
        ActionType.DEMONETIZE: "le contenu ne génère plus de revenus",
        ActionType.SUSPEND_PAYOUTS: "vos paiements ont été suspendus",
        ActionType.END_MONETIZATION: "votre compte a été retiré du programme de monétisation",
        ActionType.REJECT_AD: "l'annonce a été refusée",
        ActionType.DELIST_PRODUCT: "le produit a été retiré de la vente",
        ActionType.SUSPEND_ACCOUNT: "votre compte a été suspendu",
        ActionType.TERMINATE_ACCOUNT: "votre compte a été résilié",
    },
    automation={
        AutomationLevel.FULLY: "par des moyens automatisés, sans examen humain",
        AutomationLevel.PARTIALLY: "par une personne, assistée de moyens automatisés",
        AutomationLevel.NOT_AUTOMATED: "par une personne, sans moyens automatisés",
    },
    outcomes={
        Outcome.VIOLATING: "il enfreint la règle, et nous avons agi.",
        Outcome.NOT_VIOLATING: "il n'enfreint pas la règle, nous n'avons donc rien fait.",
    },
    everywhere="partout",
    within="dans les pays suivants : {codes}",
    until="jusqu'au {day}",
    appeal=(
        "Vous pouvez contester cette décision jusqu'au {deadline} : répondez à cet avis ou utilisez le formulaire de "
        "réclamation dans les paramètres de votre compte ; une personne qui n'a pas pris la décision l'examinera. "
        "Vous pouvez aussi saisir un organisme certifié de règlement extrajudiciaire des litiges ou un tribunal."
    ),
    features_limited="certaines fonctionnalités de votre compte ont été limitées",
    penalty="{phrase}, en raison des infractions enregistrées sur votre compte",
)

WORDING: Mapping[str, Wording] = {"EN": _EN, "DE": _DE, "FR": _FR}
"""The languages notices are written in; any other reads the notice in DEFAULT_LANGUAGE."""


def notice_language(preferred: str | None) -> str:
    """The language a notice is written in: the recipient's, when Docket has words for it."""
    return preferred if preferred is not None and preferred in WORDING else DEFAULT_LANGUAGE


def template_for(kind: NoticeKind, language: str, own: tuple[NoticeTemplate, ...]) -> str:
    """The policy's own template for the kind and language, else the default one."""
    chosen = next((t.text for t in own if t.kind is kind and t.language == language), None)
    return chosen if chosen is not None else WORDING[language].templates[kind]


def actions_phrase(wording: Wording, actions: tuple[Action, ...]) -> str:
    """Each action, where it applies and until when."""
    phrases = []
    for action in actions:
        phrase = wording.actions[action.type]
        if action.territories:
            phrase += " " + wording.within.format(codes=", ".join(action.territories))
        phrases.append(until(wording, phrase, action.ends_at))
    return "; ".join(phrases)


def until(wording: Wording, phrase: str, ends_at: datetime | None) -> str:
    """The phrase, with when it ends if it does."""
    return phrase if ends_at is None else f"{phrase} {wording.until.format(day=day(ends_at))}"


def territories_phrase(wording: Wording, actions: tuple[Action, ...]) -> str:
    """Where the decision applies: everywhere when any action does, else the countries its actions name."""
    if any(not a.territories for a in actions):
        return wording.everywhere
    return wording.within.format(codes=", ".join(sorted({c for a in actions for c in a.territories})))


def render(template: str, facts: Mapping[str, str]) -> str:
    return Template(template).substitute(facts)


def day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def moment(at: datetime) -> str:
    """A time as a notice writes it: to the minute, in UTC."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
