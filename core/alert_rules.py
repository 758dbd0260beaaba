"""Which answers raise an alert for the owners at once: ALERT_ON, `nps<=6,csat<=2` by default.

A detractor's NPS (0–6) and a CSAT of 1–2 are the customers about to leave; the owner hears
while the customer still remembers the purchase. One alert per survey: the first answer that
meets a rule opens it, a later one of the same survey adds nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.scores import CSAT_SCORES, NPS_SCORES

OFF = "off"
DEFAULT = "nps<=6,csat<=2"
"""ALERT_ON when `.env` leaves it out."""
_RULE = re.compile(r"^(nps|csat)\s*<=\s*([0-9]{1,2})$")
_SCALES = {"nps": NPS_SCORES, "csat": CSAT_SCORES}


@dataclass(frozen=True, slots=True)
class AlertRules:
    """The highest score of each question that still raises an alert (None: never)."""

    nps_max: int | None = None
    csat_max: int | None = None

    def raises(self, question: str, score: int | None) -> bool:
        limit = {"nps": self.nps_max, "csat": self.csat_max}.get(question)
        return score is not None and limit is not None and score <= limit

    def __str__(self) -> str:
        rules = [
            f"{name}<={limit}"
            for name, limit in (("nps", self.nps_max), ("csat", self.csat_max))
            if limit is not None
        ]
        return ",".join(rules) or OFF


def parse_alert_rules(text: str) -> AlertRules:
    """`nps<=6,csat<=2`, `nps<=6` or `off`; ValueError naming what is wrong."""
    if text.strip().lower() == OFF:
        return AlertRules()
    limits: dict[str, int] = {}
    for part in text.lower().replace(" ", "").split(","):
        match = _RULE.fullmatch(part)
        if match is None:
            raise ValueError(
                f"cannot read {part!r} as an alert rule (use nps<=6, csat<=2, both with a comma,"
                " or off)"
            )
        name, limit = match.group(1), int(match.group(2))
        scale = _SCALES[name]
        if limit not in scale:
            raise ValueError(f"{name} scores are {scale[0]} to {scale[-1]}, not {limit}")
        if name in limits:
            raise ValueError(f"{name} is named twice")
        limits[name] = limit
    return AlertRules(nps_max=limits.get("nps"), csat_max=limits.get("csat"))
