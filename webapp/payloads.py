"""The dashboard's JSON: the same figures /stats and the digest compute (analytics.report),
as numbers the page formats in the viewer's language (`Intl` in the browser)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.numbers import get_currency_precision

from analytics.nps import NpsSummary
from analytics.report import Report
from storage.alerts import AlertView
from storage.leads import LeadView


def money(amount_minor: float | None, currency: str) -> float | None:
    """An amount in minor units (kopecks) as the currency's major units (roubles)."""
    if amount_minor is None:
        return None
    return round(amount_minor / 10 ** get_currency_precision(currency), 2)


def moment(value: datetime | None) -> str | None:
    """UTC, ISO 8601: the page shows it on the owner's clock (TIMEZONE)."""
    return value.isoformat() if value is not None else None


def _nps(summary: NpsSummary) -> dict[str, Any]:
    return {
        "score": summary.score,
        "promoters": summary.promoters,
        "passives": summary.passives,
        "detractors": summary.detractors,
        "total": summary.total,
    }


def overview(report: Report, computed_at: datetime) -> dict[str, Any]:
    currency = report.currency
    purchases = report.purchases
    year = report.year_purchases
    return {
        "period": {"start": moment(report.period.start), "end": moment(report.period.end)},
        "computed_at": moment(computed_at),
        "currency": currency,
        "nps": _nps(report.nps),
        "csat": {
            "average": report.csat.average,
            "satisfied_share": report.csat.satisfied_share,
            "count": report.csat.count,
        },
        "fully_satisfied_share": report.satisfied_share,
        "surveys": {
            "sent": report.funnel.sent,
            "answered": report.funnel.nps_answered,
            "completed": report.funnel.completed,
            "response_rate": report.funnel.response_rate,
            "completion_rate": report.funnel.completion_rate,
            "comment_rate": report.funnel.comment_rate,
        },
        "purchases": {
            "purchases": purchases.purchases,
            "customers": purchases.customers,
            "repeat_rate": purchases.repeat_rate,
            "frequency": purchases.frequency,
            "average_check": money(purchases.average_check_minor, currency),
        },
        "retention": {"crr": report.retention.crr, "churn": report.retention.churn},
        "loyalty": {
            "shown": report.loyalty_shown,
            "young": report.young,
            "start": moment(report.loyalty_period.start),
            "crr": report.year_retention.crr,
            "churn": report.yearly_churn,
            "purchases_per_year": report.purchases_per_year,
            "repeat_rate": year.repeat_rate,
            "frequency": year.frequency,
            "average_check": money(year.average_check_minor, currency),
            "lifetime_years": report.lifetime_years,
            "clv": money(report.clv_minor, currency),
        },
        "themes": [
            {
                "key": theme.key,
                "names": theme.names,
                "surveys": theme.surveys,
                "nps": theme.nps.score,
            }
            for theme in report.themes
        ],
        "new_words": [{"word": word, "answers": count} for word, count in report.new_words],
        "alerts": {
            "open": report.alerts.open_count,
            "raised": report.alerts.raised,
            "median_first_response_seconds": (
                report.alerts.median_first_response.total_seconds()
                if report.alerts.median_first_response is not None
                else None
            ),
        },
        "referred": {
            "arrived": report.referred.arrived,
            "buyers": report.referred.buyers,
            "purchases": report.referred.purchases,
            "revenue": money(report.referred.revenue_minor, currency),
            "top": [
                {
                    "name": referrer.name,
                    "friends": referrer.friends,
                    "purchases": referrer.purchases,
                    "revenue": money(referrer.revenue_minor, currency),
                }
                for referrer in report.referred.top
            ],
        },
        "leads": {
            "opened": report.leads.opened,
            "contacted": report.leads.contacted,
            "won": report.leads.won,
            "open_now": report.leads.open_now,
        },
    }


def _person(first: str | None, last: str | None, username: str | None) -> dict[str, Any]:
    return {"first_name": first, "last_name": last, "username": username}


def alert(view: AlertView, handler: str | None, resolver: str | None) -> dict[str, Any]:
    if view.resolved_at is not None:
        state = "resolved"
    elif view.claimed_by is not None:
        state = "claimed"
    else:
        state = "open"
    return {
        "id": view.id,
        "state": state,
        "question": str(view.question),
        "score": view.score,
        "created_at": moment(view.created_at),
        "resolved_at": moment(view.resolved_at),
        "customer": _person(
            view.customer_first_name, view.customer_last_name, view.customer_username
        ),
        "phone": view.customer_phone,
        "order_id": view.order_id,
        "store": view.store,
        "comment": view.comment,
        "handler": handler,
        "resolver": resolver,
    }


def lead(view: LeadView, currency: str) -> dict[str, Any]:
    return {
        "id": view.id,
        "kind": view.kind,
        "status": str(view.status),
        "created_at": moment(view.created_at),
        "status_at": moment(view.status_at),
        "customer": _person(
            view.customer_first_name, view.customer_last_name, view.customer_username
        ),
        "phone": view.customer_phone,
        "order_id": view.order_id,
        "store": view.store,
        "amount": money(view.amount_minor, view.currency or currency),
        "currency": view.currency or currency,
        "text": view.text,
        "contact": {"name": view.contact_name, "phone": view.contact_phone},
    }
