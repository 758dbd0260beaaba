"""The survey's two scales and their thresholds, written once: the buttons, the figures (in
Python and in SQL) and the alerts all read them here.

NPS, "how likely are you to recommend us?", is 0–10: promoters answer 9–10, passives 7–8,
detractors 0–6. CSAT, "how satisfied are you?", is 1–5, and 4 or 5 counts as satisfied.
"""

from __future__ import annotations

NPS_SCORES = range(0, 11)
CSAT_SCORES = range(1, 6)

PROMOTER_MIN = 9
PASSIVE_MIN = 7
DETRACTOR_MAX = PASSIVE_MIN - 1
CSAT_SATISFIED_MIN = 4

SQL_THRESHOLDS = {
    "promoter_min": PROMOTER_MIN,
    "passive_min": PASSIVE_MIN,
    "detractor_max": DETRACTOR_MAX,
    "csat_satisfied_min": CSAT_SATISFIED_MIN,
}
"""The thresholds as named SQL parameters (`:promoter_min`, ...), for queries that count."""
