"""The domain's enums, exposed to GraphQL under their own names."""

from __future__ import annotations

import strawberry

from domain.standing import StandingLevel
from domain.values import (
    ActionType,
    AutomationLevel,
    ContentType,
    DetectionSource,
    DsaGround,
    Outcome,
    Severity,
)

SeverityEnum = strawberry.enum(Severity, name="Severity")
ActionTypeEnum = strawberry.enum(ActionType, name="ActionType")
DetectionSourceEnum = strawberry.enum(DetectionSource, name="DetectionSource")
ContentTypeEnum = strawberry.enum(ContentType, name="ContentType")
OutcomeEnum = strawberry.enum(Outcome, name="Outcome")
AutomationLevelEnum = strawberry.enum(AutomationLevel, name="AutomationLevel")
DsaGroundEnum = strawberry.enum(DsaGround, name="DsaGround")
StandingLevelEnum = strawberry.enum(StandingLevel, name="StandingLevel")
