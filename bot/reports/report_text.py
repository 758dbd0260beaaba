"""A Report as Telegram HTML: the digest (sections packed into ≤ 4,096-character messages)
and the shorter /stats answer. Every figure is shown with its count and against the
industry reference, and small samples say so instead of pretending to precision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import tzinfo
from html import escape

from analytics.nps import NpsSummary
from analytics.references import NPS, PURCHASES_PER_YEAR, RETENTION, Reference, Verdict
from analytics.report import Comment, ReferralNote, Report, StoreFigures
from analytics.survey_metrics import (
    MIN_SAMPLE,
    SMALL_SAMPLE,
    change,
    is_small_sample,
    nps_interval,
    share_interval,
)
from bot.formats import (
    day,
    day_span,
    format_count,
    moment,
    money,
    number,
    percent,
    signed,
    zone_name,
)
from bot.formats import span as duration
from bot.telegram_limits import MESSAGE_LENGTH
from bot.texts import t, t_html

TELEGRAM_LIMIT = MESSAGE_LENGTH
MAX_QUOTE = 300
MAX_THEMES = 5
"""The digest and /stats show the themes most named."""
MAX_STORES = 10
"""The digest lists the busiest stores one by one, and the rest as one line."""

_VERDICT_KEYS = {
    Verdict.AIM: "verdict_aim",
    Verdict.INDUSTRY: "verdict_industry",
    Verdict.BELOW: "verdict_below",
}


def verdict(reference: Reference, value: float | None, language: str) -> str:
    if value is None:
        return ""
    return t(language, _VERDICT_KEYS[reference.judge(value)])


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def share_text(part: int, whole: int, language: str) -> str:
    """`70%`; with a small sample `70% (likely 40–89%)`; below MIN_SAMPLE "too few"."""
    if whole < MIN_SAMPLE:
        return t(language, "share_too_few", total=whole)
    return _rate(100 * part / whole, part, whole, language)


def _rate(value: float, part: int, whole: int, language: str) -> str:
    """A rate of `part` in `whole`, its range added while the sample is small."""
    shown = percent(value, language)
    interval = share_interval(part, whole) if whole < SMALL_SAMPLE else None
    if interval is None:
        return shown
    low, high = interval
    return t(
        language,
        "share_range",
        share=shown,
        low=number(low, language, 0),
        high=number(high, language, 0),
    )


Figure = Callable[[Report], float | None]
"""One figure of a report, read the same way from the period and from the one before."""


def _delta(report: Report, figure: Figure) -> float | None:
    before = report.previous
    return None if before is None else change(figure(report), figure(before))


def points_change(report: Report, figure: Figure, language: str) -> str:
    """` (+3 pts against the period before)` for a rate; nothing without both figures."""
    delta = _delta(report, figure)
    if delta is None:
        return ""
    return t(language, "change_vs", change=t(language, "points", n=signed(delta, language)))


def value_change(report: Report, figure: Figure, language: str, digits: int) -> str:
    """` (+0.25 against the period before)` for a count or an average."""
    delta = _delta(report, figure)
    if delta is None:
        return ""
    return t(language, "change_vs", change=signed(delta, language, digits))


def money_change(report: Report, figure: Figure, language: str) -> str:
    delta = _delta(report, figure)
    if delta is None:
        return ""
    shown = money(delta, report.currency, language)
    return t(language, "change_vs", change=shown if delta < 0 else f"+{shown}")


# --- sections --------------------------------------------------------------------------------


def nps_lines(report: Report, language: str, *, compare: bool = True) -> list[str]:
    summary = report.nps
    if summary.total == 0:
        return [t(language, "nps_none")]
    score = summary.score or 0.0
    lines = [
        t(
            language,
            "nps_line",
            score=number(score, language, 0),
            promoters=summary.promoters,
            passives=summary.passives,
            detractors=summary.detractors,
            total=summary.total,
        )
    ]
    if summary.total < MIN_SAMPLE:
        lines.append(t(language, "nps_too_few"))
    else:
        if is_small_sample(summary):
            low, high = nps_interval(summary) or (score, score)
            lines.append(
                t(
                    language,
                    "nps_interval",
                    low=number(low, language, 0),
                    high=number(high, language, 0),
                    total=summary.total,
                )
            )
        lines.append(t_html(language, "nps_reference", verdict=verdict(NPS, score, language)))
    if compare:
        lines.append(_nps_change(summary, report.previous_nps, language))
    return lines


def _nps_change(current: NpsSummary, previous: NpsSummary, language: str) -> str:
    delta = change(current.score, previous.score)
    if delta is None:
        return t(language, "nps_no_previous")
    return t(
        language,
        "nps_change",
        delta=signed(delta, language),
        previous=number(previous.score or 0.0, language, 0),
    )


def csat_lines(report: Report, language: str) -> list[str]:
    csat = report.csat
    lines = []
    if csat.count and csat.count < MIN_SAMPLE:
        lines.append(t(language, "csat_too_few", total=csat.count))
    elif csat.count and csat.average is not None:
        lines.append(
            t_html(
                language,
                "csat_line",
                average=number(csat.average, language, 2),
                change=value_change(report, lambda r: r.csat.average, language, 2),
                share=share_text(csat.satisfied, csat.count, language),
                total=str(csat.count),
            )
        )
    else:
        lines.append(t(language, "csat_none"))
    if report.satisfied_answers:
        lines.append(
            t_html(
                language,
                "satisfied_line",
                share=share_text(report.satisfied_yes, report.satisfied_answers, language),
                yes=str(report.satisfied_yes),
                total=str(report.satisfied_answers),
            )
            + points_change(report, lambda r: r.satisfied_share, language)
        )
    return lines


def funnel_lines(report: Report, language: str) -> list[str]:
    funnel = report.funnel
    if funnel.sent == 0:
        return [t(language, "funnel_none")]

    def pct(value: float | None) -> str:
        return "—" if value is None else percent(value, language)

    return [
        t_html(
            language,
            "funnel_line",
            sent=str(funnel.sent),
            answered=str(funnel.nps_answered),
            response=pct(funnel.response_rate),
            change=points_change(report, lambda r: r.funnel.response_rate, language),
            completed=str(funnel.completed),
            completion=pct(funnel.completion_rate),
            comments=pct(funnel.comment_rate),
        )
    ]


def loyalty_lines(report: Report, language: str) -> list[str]:
    """The period's purchases (frequency, repeat rate, average check over the period's own
    purchases), then loyalty over the trailing year, or the span there is."""
    stats = report.purchases
    lines = [t(language, "loyalty_title")]
    if stats.purchases == 0:
        lines.append(t(language, "purchases_none"))
    else:
        lines.append(
            t(
                language,
                "purchases_line",
                purchases=stats.purchases,
                customers=stats.customers,
                new=report.retention.new,
            )
            + value_change(report, lambda r: r.purchases.purchases, language, 0)
        )
        if stats.visits:
            lines.append(t(language, "visits_line", visits=stats.visits))
        if stats.average_check_minor is not None:
            amount = money(stats.average_check_minor, report.currency, language)
            lines.append(
                t(language, "average_check", amount=amount)
                + money_change(report, lambda r: r.purchases.average_check_minor, language)
            )
        lines.append(
            t_html(
                language,
                "repeat_line",
                repeat=share_text(stats.repeat_customers, stats.customers, language)
                + points_change(report, lambda r: r.purchases.repeat_rate, language),
                frequency=number(stats.frequency or 0.0, language, 2)
                + value_change(report, lambda r: r.purchases.frequency, language, 2),
            )
        )
    lines.extend(_lifetime_lines(report, language))
    return lines


def _lifetime_lines(report: Report, language: str) -> list[str]:
    """Retention, churn, purchases per year and CLV: over the trailing year, or over the span
    of a younger business (saying so), from two months of purchases on."""
    days = max(0, report.loyalty_period.length.days)
    if not report.loyalty_shown:
        return [t(language, "loyalty_too_young", count=days)]
    lines = [t(language, "young_title", count=days) if report.young else t(language, "year_title")]
    year = report.year_retention
    if year.at_start == 0:
        lines.append(t(language, "retention_none"))
    elif year.at_start < MIN_SAMPLE:
        lines.append(t(language, "retention_too_few", start=year.at_start))
    else:
        crr = year.crr or 0.0
        kept = min(year.at_start, max(0, year.at_end - year.new))
        lines.append(
            t_html(
                language,
                "retention_line_young" if report.young else "retention_line",
                crr=_rate(crr, kept, year.at_start, language)
                + points_change(report, lambda r: r.year_retention.crr, language),
                churn=number(report.yearly_churn or 0.0, language, 0),
                start=str(year.at_start),
                end=str(year.at_end),
                new=str(year.new),
                verdict=verdict(RETENTION, crr, language),
            )
        )
    per_year = report.purchases_per_year
    if per_year is not None:
        lines.append(
            t_html(
                language,
                "per_year_line",
                value=number(per_year, language, 1)
                + value_change(report, lambda r: r.purchases_per_year, language, 1),
                verdict=verdict(PURCHASES_PER_YEAR, per_year, language),
            )
        )
    clv, lifetime = report.clv_minor, report.lifetime_years
    if clv is not None and lifetime is not None:
        lines.append(
            t(
                language,
                "clv_line",
                clv=money(clv, report.currency, language),
                years=number(lifetime, language, 1),
            )
            + money_change(report, lambda r: r.clv_minor, language)
        )
    return lines


def store_lines(report: Report, language: str) -> list[str]:
    """The busiest stores one by one, the rest together as "others"."""
    if not report.stores:
        return []
    busiest = sorted(report.stores, key=lambda store: (-store.purchases, store.store))
    shown, rest = busiest[:MAX_STORES], busiest[MAX_STORES:]
    if len(rest) == 1:
        shown, rest = busiest, []
    lines = [t(language, "stores_title")]
    lines.extend(_store_line(store, report.currency, language) for store in shown)
    if rest:
        others = t(language, "stores_others", count=len(rest))
        lines.append(_store_line(StoreFigures.together(others, rest), report.currency, language))
    return lines


def _store_line(store: StoreFigures, currency: str, language: str) -> str:
    check = store.average_check_minor
    csat = store.csat
    return t_html(
        language,
        "store_line",
        store=escape(store.store),
        purchases=str(store.purchases),
        check=t(language, "store_no_check") if check is None else money(check, currency, language),
        nps=_store_nps(store.nps, language),
        total=str(store.nps.total),
        csat=(
            t(language, "store_too_few")
            if csat.count < MIN_SAMPLE or csat.average is None
            else number(csat.average, language, 2)
        ),
    )


def theme_lines(report: Report, language: str) -> list[str]:
    """The themes most named, each with its change and its customers' NPS; then the words
    written most by answers in no theme, where a missing theme shows itself."""
    if not report.themes and not report.new_words:
        return []
    lines = [t(language, "themes_title")]
    for theme in report.themes[:MAX_THEMES]:
        lines.append(
            t_html(
                language,
                "theme_line",
                name=escape(theme.name(language)),
                surveys=str(theme.surveys),
                change=value_change(report, _named_by(theme.key), language, 0),
                nps=_store_nps(theme.nps, language),
            )
        )
    if report.new_words:
        words = ", ".join(f"{word} ({count})" for word, count in report.new_words)
        lines.append(t(language, "themes_new_words", words=words))
    return lines


def _named_by(key: str) -> Figure:
    def surveys(report: Report) -> float:
        return next((theme.surveys for theme in report.themes if theme.key == key), 0)

    return surveys


def _store_nps(summary: NpsSummary, language: str) -> str:
    """A store's NPS: "too few answers" below MIN_SAMPLE, with its range while small."""
    if summary.total < MIN_SAMPLE or summary.score is None:
        return t(language, "store_too_few")
    score = number(summary.score, language, 0)
    interval = nps_interval(summary) if is_small_sample(summary) else None
    if interval is None:
        return score
    low, high = interval
    return t(
        language,
        "score_range",
        score=score,
        low=number(low, language, 0),
        high=number(high, language, 0),
    )


def _comments(title_key: str, comments: Iterable[Comment], language: str, tz: tzinfo) -> list[str]:
    items = list(comments)
    if not items:
        return []
    lines = [t(language, title_key)]
    for comment in items:
        lines.append(
            t(
                language,
                "comment_line",
                when=day(comment.answered_at, tz, language),
                who=comment.customer or "—",
                text=_quote(comment.text),
            )
        )
    return lines


def _referral(note: ReferralNote, language: str) -> str:
    about = note.name or note.note or ""
    if note.phone:
        about = f"{about} {note.phone}".strip()
    about = _quote(about) or t(language, f"referral_kind_{note.kind}")
    return t(language, "referral_line", who=note.referrer or "—", about=about)


def referred_lines(report: Report, language: str) -> list[str]:
    """Customers who came by another customer's link, what all such customers bought, and
    the referrers whose friends bought the most."""
    figures = report.referred
    if not figures.arrived and not figures.purchases:
        return []
    lines = [
        t(language, "referred_title"),
        t_html(
            language,
            "referred_line",
            arrived=format_count(figures.arrived, language),
            change=value_change(report, lambda r: r.referred.arrived, language, 0),
            buyers=format_count(figures.buyers, language),
            purchases=format_count(figures.purchases, language),
            revenue=escape(money(figures.revenue_minor, report.currency, language)),
        ),
    ]
    for referrer in figures.top:
        lines.append(
            t_html(
                language,
                "referrer_line",
                name=escape(referrer.name or "—"),
                friends=t(language, "n_friends", count=referrer.friends),
                purchases=t(language, "n_purchases", count=referrer.purchases),
                revenue=escape(money(referrer.revenue_minor, report.currency, language)),
            )
        )
    return lines


def lead_lines(report: Report, language: str) -> list[str]:
    """What the follow-up answers brought in, and what became of it, with changes."""
    figures = report.leads
    if not (figures.opened or figures.contacted or figures.won or figures.open_now):
        return []
    return [
        t(language, "leads_title"),
        t_html(
            language,
            "leads_line",
            opened=format_count(figures.opened, language),
            opened_change=value_change(report, lambda r: r.leads.opened, language, 0),
            contacted=format_count(figures.contacted, language),
            won=format_count(figures.won, language),
            won_change=value_change(report, lambda r: r.leads.won, language, 0),
            open_now=format_count(figures.open_now, language),
        ),
    ]


def referral_lines(report: Report, language: str) -> list[str]:
    if report.referrals == 0:
        return []
    lines = [t(language, "referrals_title", count=report.referrals)]
    lines.extend(_referral(note, language) for note in report.referral_notes)
    return lines


def alert_lines(report: Report, language: str, tz: tzinfo) -> list[str]:
    figures = report.alerts
    lines = []
    if figures.open_count:
        lines.append(t(language, "alerts_open", count=figures.open_count))
        for alert in figures.oldest_open:
            lines.append(
                t(
                    language,
                    "alert_open_line" if alert.question == "nps" else "alert_open_line_csat",
                    score=alert.score,
                    who=alert.customer or "—",
                    when=moment(alert.created_at, tz, language),
                )
            )
    elif figures.raised:
        lines.append(t(language, "alerts_all_closed"))
    if figures.median_first_response is not None:
        lines.append(
            t(
                language,
                "alerts_response",
                median=duration(figures.median_first_response, language),
                answered=figures.answered,
                raised=figures.raised,
            )
        )
    return lines


# --- whole messages --------------------------------------------------------------------------


def _zone(tz: tzinfo, language: str) -> str:
    """Said once, in the title: the clock every date and time of the message is on."""
    return " · " + t(language, "zone_note", zone=zone_name(tz, language))


def digest_sections(report: Report, language: str, tz: tzinfo, title_key: str) -> list[str]:
    """The digest as sections, each far below Telegram's limit."""
    title = t(language, title_key, span=day_span(report.period, tz, language)) + _zone(tz, language)
    if report.is_quiet:
        quiet = [title, t(language, "digest_quiet")]
        quiet.extend(alert_lines(report, language, tz))
        return ["\n".join(quiet)]
    sections = [
        [title, *funnel_lines(report, language)],
        [*nps_lines(report, language), t(language, "scores_explained")],  # once, where first met
        csat_lines(report, language),
        loyalty_lines(report, language),
        store_lines(report, language),
        theme_lines(report, language),
        _comments("fixes_title", report.fixes, language, tz),
        _comments("upsells_title", report.upsells, language, tz),
        lead_lines(report, language),
        referred_lines(report, language),
        referral_lines(report, language),
        alert_lines(report, language, tz),
    ]
    return ["\n".join(lines) for lines in sections if lines]


def pack(sections: Iterable[str], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Join sections with blank lines into as few messages as fit.

    A section is only split when it alone is over the limit, and then between lines.
    """
    messages: list[str] = []
    for section in sections:
        for part in _split_lines(section, limit):
            if messages and len(messages[-1]) + 2 + len(part) <= limit:
                messages[-1] += "\n\n" + part
            else:
                messages.append(part)
    return messages


def _split_lines(section: str, limit: int) -> list[str]:
    if len(section) <= limit:
        return [section]
    parts = [""]
    for line in section.split("\n"):
        if len(line) > limit:
            raise ValueError("a digest line is longer than a Telegram message")
        if parts[-1] and len(parts[-1]) + 1 + len(line) > limit:
            parts.append(line)
        else:
            parts[-1] = f"{parts[-1]}\n{line}" if parts[-1] else line
    return parts


def digest_messages(
    report: Report, language: str, tz: tzinfo, title_key: str = "digest_title"
) -> list[str]:
    return pack(digest_sections(report, language, tz, title_key))


def stats_message(report: Report, language: str, tz: tzinfo, label: str) -> str:
    """The headline figures for /stats: one message; `label` is safe HTML (built by `t`)."""
    title = t_html(language, "stats_title", label=label, span=day_span(report.period, tz, language))
    title += _zone(tz, language)
    sections = [
        [title, *funnel_lines(report, language)],
        nps_lines(report, language, compare=False),
        csat_lines(report, language),
        loyalty_lines(report, language),
        theme_lines(report, language),
        lead_lines(report, language),
        referred_lines(report, language),
        alert_lines(report, language, tz)[:1],
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines)
