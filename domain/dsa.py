"""The DSA Transparency Database's vocabulary, and the facts a decision adds for its statement of reasons.

The lists follow the database's schema in force since 1 July 2025 (../shared/reference/dsa-statement-of-reasons.md);
`projections/statements_of_reasons/statement.schema.json` publishes the same values, and a test holds them equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from domain.errors import ValidationError
from domain.levels import PenaltyKind
from domain.values import Action, ActionType, check_text, check_time, parse_enum

EARLIEST_CONTENT = datetime(2000, 1, 1, tzinfo=UTC)

MAX_OTHER = 500
"""The longest `*_other` text, legal ground or reference URL the database takes."""

EEA_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK".split()  # noqa: SIM905
)
"""The territorial scopes a statement may name: the EU's 27 and Iceland, Liechtenstein and Norway."""

LANGUAGES = frozenset(
    """
    AA AB AE AF AK AM AN AR AS AV AY AZ BA BE BG BH BI BM BN BO BR BS CA CE CH CO CR CS CU CV CY DA DE DV DZ EE EL
    EN EO ES ET EU FA FF FI FJ FO FR FY GA GD GL GN GU GV HA HE HI HO HR HT HU HY HZ IA ID IE IG II IK IO IS IT IU
    JA JV KA KG KI KJ KK KL KM KN KO KR KS KU KV KW KY LA LB LG LI LN LO LT LU LV MG MH MI MK ML MN MR MS MT MY NA
    NB ND NE NG NL NN NO NR NV NY OC OJ OM OR OS PA PI PL PS PT QU RM RN RO RU RW SA SC SD SE SG SI SK SL SM SN SO
    SQ SR SS ST SU SV SW TA TE TG TH TI TK TL TN TO TR TS TT TW TY UG UK UR UZ VE VI VO WA WO XH YI YO ZA ZH ZU
    """.split()  # noqa: SIM905 - a table of codes reads better than 184 quoted strings
)
"""`content_language`: the ISO 639-1 codes, upper case."""

KEYWORDS = frozenset(
    f"KEYWORD_{name}"
    for name in """
    ADULT_SEXUAL_MATERIAL AGE_SPECIFIC_RESTRICTIONS AGE_SPECIFIC_RESTRICTIONS_MINORS ANIMAL_HARM BIOMETRIC_DATA_BREACH
    BULLYING_AGAINST_GIRLS CHILD_SEXUAL_ABUSE_MATERIAL CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE
    CONTENT_PROMOTING_EATING_DISORDERS COORDINATED_HARM COPYRIGHT_INFRINGEMENT CYBER_BULLYING_INTIMIDATION
    CYBER_HARASSMENT CYBER_HARASSMENT_AGAINST_WOMEN CYBER_INCITEMENT CYBER_STALKING CYBER_STALKING_AGAINST_WOMEN
    DATA_FALSIFICATION DEFAMATION DESIGN_INFRINGEMENT DISCRIMINATION FEMALE_GENDERED_DISINFORMATION
    GEOGRAPHIC_INDICATIONS_INFRINGEMENT GEOGRAPHICAL_REQUIREMENTS GOODS_SERVICES_NOT_PERMITTED
    GROOMING_SEXUAL_ENTICEMENT_MINORS HATE_SPEECH HIDDEN_ADVERTISEMENT HUMAN_EXPLOITATION HUMAN_TRAFFICKING
    ILLEGAL_ORGANIZATIONS IMPERSONATION_ACCOUNT_HIJACKING INAUTHENTIC_ACCOUNTS INAUTHENTIC_LISTINGS
    INAUTHENTIC_USER_REVIEWS INCITEMENT_AGAINST_WOMEN INCITEMENT_VIOLENCE_HATRED INSUFFICIENT_INFORMATION_ON_TRADERS
    LANGUAGE_REQUIREMENTS MISINFORMATION_DISINFORMATION MISLEADING_INFO_CONSUMER_RIGHTS
    MISLEADING_INFO_GOODS_SERVICES MISSING_PROCESSING_GROUND NON_CONSENSUAL_IMAGE_SHARING
    NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN NON_CONSENSUAL_MATERIAL_DEEPFAKE
    NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN NONCOMPLIANCE_PRICING NUDITY PATENT_INFRINGEMENT PHISHING
    PROHIBITED_PRODUCTS PYRAMID_SCHEMES RIGHT_TO_BE_FORGOTTEN RISK_ENVIRONMENTAL_DAMAGE RISK_PUBLIC_HEALTH
    SELF_MUTILATION STALKING SUICIDE TERRORIST_CONTENT TRADE_SECRET_INFRINGEMENT TRADEMARK_INFRINGEMENT
    TRAFFICKING_WOMEN_GIRLS UNLAWFUL_SALE_ANIMALS UNSAFE_CHALLENGES UNSAFE_PRODUCTS VIOLATION_EU_LAW
    VIOLATION_NATIONAL_LAW OTHER
    """.split()  # noqa: SIM905 - a table of names reads better than 69 quoted strings
)
"""`category_specification`: the 69 keywords (KEYWORD_DANGEROUS_TOYS left the schema in July 2025)."""

VISIBILITY = {
    ActionType.REMOVE: "DECISION_VISIBILITY_CONTENT_REMOVED",
    ActionType.DISABLE: "DECISION_VISIBILITY_CONTENT_DISABLED",
    ActionType.DELIST_PRODUCT: "DECISION_VISIBILITY_CONTENT_DISABLED",
    ActionType.DEMOTE: "DECISION_VISIBILITY_CONTENT_DEMOTED",
    ActionType.AGE_RESTRICT: "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    ActionType.RESTRICT_INTERACTION: "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    ActionType.LABEL: "DECISION_VISIBILITY_CONTENT_LABELLED",
    ActionType.REJECT_AD: "DECISION_VISIBILITY_OTHER",
}
MONETARY = {
    ActionType.DEMONETIZE: "DECISION_MONETARY_OTHER",
    ActionType.SUSPEND_PAYOUTS: "DECISION_MONETARY_SUSPENSION",
    ActionType.END_MONETIZATION: "DECISION_MONETARY_TERMINATION",
}
ACCOUNT = {
    ActionType.SUSPEND_ACCOUNT: "DECISION_ACCOUNT_SUSPENDED",
    ActionType.TERMINATE_ACCOUNT: "DECISION_ACCOUNT_TERMINATED",
}
"""Where each action type lands among the statement's decision fields; every action type lands somewhere."""
RESTRICTIONS = {**VISIBILITY, **MONETARY, **ACCOUNT}
"""Each action type's decision value."""

SINGLE_DECISIONS = {
    "decision_monetary": (
        ("DECISION_MONETARY_OTHER", "DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION"),
        "end_date_monetary_restriction",
    ),
    "decision_provision": (
        ("DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_PROVISION_TOTAL_SUSPENSION",
         "DECISION_PROVISION_PARTIAL_TERMINATION", "DECISION_PROVISION_TOTAL_TERMINATION"),
        "end_date_service_restriction",
    ),
    "decision_account": (("DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"), "end_date_account_restriction"),
}
"""The decision fields that take one value: their values, lightest first, and the end date that goes with them."""

PENALTY_DECISIONS = {
    PenaltyKind.FEATURE_LIMIT: "DECISION_PROVISION_PARTIAL_SUSPENSION",
    PenaltyKind.SUSPENSION: "DECISION_ACCOUNT_SUSPENDED",
    PenaltyKind.TERMINATION: "DECISION_ACCOUNT_TERMINATED",
}
"""What a ladder's penalty is in a statement, unless its rung says (`dsa_decision`)."""

RUNG_DECISIONS = frozenset(v for values, _ in SINGLE_DECISIONS.values() for v in values) - {"DECISION_MONETARY_OTHER"}
"""What a rung may say its penalty is: any single-valued decision but the one that needs words of its own."""

VISIBILITY_OTHER = "The advertisement was rejected: it is not shown to anyone."
MONETARY_OTHER = "The content was demonetized: it earns no revenue, while the account's other payouts continue."
"""What an `_OTHER` action means, unless the decision says it in its own words."""

_EAN_13 = re.compile(r"^[0-9]{13}$")
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+[^\s]*$")


class AccountType(StrEnum):
    BUSINESS = "BUSINESS"
    PRIVATE = "PRIVATE"


@dataclass(frozen=True)
class DsaFacts:
    """What a decider adds for the statement of reasons that the ledger does not know otherwise; all optional."""

    account_type: AccountType | None = None
    content_language: str | None = None
    """ISO 639-1, upper case."""
    content_posted_at: datetime | None = None
    """When the content was posted; without it, when the ledger first heard of the subject."""
    content_ean: str | None = None
    """The product's EAN-13 (GTIN-13), for products."""
    content_type_other: str | None = None
    visibility_other: str | None = None
    monetary_other: str | None = None
    illegal_too: bool | None = None
    """For content incompatible with the terms: whether it is also illegal (`incompatible_content_illegal`)."""

    def __post_init__(self) -> None:
        if self.account_type is not None:
            object.__setattr__(self, "account_type", AccountType(self.account_type))

    def validate(self, actions: tuple[ActionType, ...]) -> DsaFacts:
        """Checks the facts, and that each `_other` text explains an action that needs one among `actions`."""
        if self.account_type is not None:
            parse_enum(AccountType, self.account_type, "dsa.accountType")
        if self.content_language is not None and self.content_language not in LANGUAGES:
            raise ValidationError(
                f"dsa.contentLanguage must be an upper-case ISO 639-1 code, not {self.content_language!r}",
                "dsa.contentLanguage",
            )
        if self.content_posted_at is not None:
            posted = check_time(self.content_posted_at, "dsa.contentPostedAt")
            if posted < EARLIEST_CONTENT:
                raise ValidationError("dsa.contentPostedAt must not be before 2000-01-01, the earliest content date "
                                      "the DSA Transparency Database takes", "dsa.contentPostedAt")
            object.__setattr__(self, "content_posted_at", posted)
        if self.content_ean is not None:
            check_ean_13(self.content_ean, "dsa.contentEan")
        for value, field in (
            (self.content_type_other, "dsa.contentTypeOther"),
            (self.visibility_other, "dsa.visibilityOther"),
            (self.monetary_other, "dsa.monetaryOther"),
        ):
            if value is not None:
                check_text(value, field, MAX_OTHER)
        if self.visibility_other is not None and not any(VISIBILITY.get(a) == "DECISION_VISIBILITY_OTHER"
                                                         for a in actions):
            raise ValidationError("dsa.visibilityOther explains a REJECT_AD action; the decision has none",
                                  "dsa.visibilityOther")
        if self.monetary_other is not None and not any(MONETARY.get(a) == "DECISION_MONETARY_OTHER" for a in actions):
            raise ValidationError("dsa.monetaryOther explains a DEMONETIZE action; the decision has none",
                                  "dsa.monetaryOther")
        if self.illegal_too is not None and not isinstance(self.illegal_too, bool):
            raise ValidationError("dsa.illegalToo must be true or false", "dsa.illegalToo")
        return self


NOTICE_SOURCES = ("SOURCE_TRUSTED_FLAGGER", "SOURCE_ARTICLE_16", "SOURCE_TYPE_OTHER_NOTIFICATION")
"""The source types of notices, strongest first: trusted-flagger notices are Art. 16 notices too, reported as theirs."""


def prompted_by(source_types: Iterable[str]) -> str:
    """The source type a decision prompted by all of `source_types` reports: notices outrank own-initiative
    detection."""
    given = set(source_types)
    return next((source for source in NOTICE_SOURCES if source in given), "SOURCE_VOLUNTARY")


def eea_restrictions(actions: tuple[Action, ...]) -> list[str]:
    """What the actions that apply in the EEA are among a statement's decision values (e.g.
    DECISION_VISIBILITY_CONTENT_REMOVED), each once; an action without territories applies everywhere."""
    found = {RESTRICTIONS[a.type] for a in actions if not a.territories or EEA_COUNTRIES & set(a.territories)}
    return sorted(found)


def decision_field(value: str) -> str | None:
    """The single-valued decision field that takes `value` (e.g. decision_monetary), if any does."""
    return next((field for field, (values, _) in SINGLE_DECISIONS.items() if value in values), None)


def check_ean_13(value: Any, field: str) -> str:
    """Thirteen digits whose last is the GTIN check digit of the twelve before it."""
    if not isinstance(value, str) or not _EAN_13.match(value):
        raise ValidationError(f"{field} must be an EAN-13: thirteen digits", field)
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(value[:12]))
    if (10 - weighted % 10) % 10 != int(value[12]):
        raise ValidationError(f"{field} {value} has a wrong check digit", field)
    return value


def check_keywords(keywords: tuple[str, ...], field: str) -> tuple[str, ...]:
    for keyword in keywords:
        if keyword not in KEYWORDS:
            raise ValidationError(f"{field} must name KEYWORD_* keys of the DSA Transparency Database, "
                                  f"not {keyword!r}", field)
    if len(set(keywords)) != len(keywords):
        raise ValidationError(f"{field} must not repeat", field)
    return keywords


def check_url(value: str, field: str) -> str:
    """An http(s) URL of at most MAX_OTHER characters, as the database's reference URLs are."""
    if not isinstance(value, str) or len(value) > MAX_OTHER or not _URL.match(value):
        raise ValidationError(f"{field} must be an http or https URL of at most {MAX_OTHER} characters", field)
    return value
