"""The storage rules behind the survey: idempotent intake, exactly-once answers, due surveys."""

from datetime import timedelta

from core.alert_rules import DEFAULT as DEFAULT_ALERT_ON
from core.alert_rules import parse_alert_rules
from core.clock import to_db
from core.survey_rules import SurveyRules
from storage import answering, answers, customers, surveys
from storage.answering import Outcome
from storage.database import Database
from storage.intake import IntakeStatus, record_purchase
from storage.models import DONE, Answer, Choice, Question, SurveyStatus
from storage.purchases import NewPurchase
from tests.helpers import FakeClock


async def _customer(db: Database, telegram_user_id: int, clock: FakeClock) -> int:
    async with db.transaction() as conn:
        customer, _ = await customers.upsert_started(
            conn,
            telegram_user_id=telegram_user_id,
            first_name="Anna",
            last_name=None,
            username=None,
            language="en",
            now=clock(),
        )
    return customer.id


def _purchase(customer_id: int, clock: FakeClock, order_id: str | None, amount: int = 1000):
    return NewPurchase(
        customer_id=customer_id,
        amount_minor=amount,
        currency="RUB",
        purchased_at=clock(),
        source="test",
        order_id=order_id,
    )


async def test_order_id_replay_creates_nothing_and_conflict_changes_nothing(db: Database) -> None:
    clock = FakeClock()
    customer_id = await _customer(db, 100, clock)
    delay = timedelta(hours=2)
    first = await record_purchase(
        db, _purchase(customer_id, clock, "A-1"), SurveyRules(delay), now=clock()
    )
    again = await record_purchase(
        db, _purchase(customer_id, clock, "A-1"), SurveyRules(delay), now=clock()
    )
    other = await record_purchase(
        db, _purchase(customer_id, clock, "A-1", amount=5), SurveyRules(delay), now=clock()
    )
    assert first.status is IntakeStatus.CREATED
    assert first.survey is not None and first.survey.due_at == clock() + delay
    assert again.status is IntakeStatus.REPLAYED and again.purchase == first.purchase
    assert again.survey == first.survey
    assert other.status is IntakeStatus.CONFLICT and other.purchase.amount_minor == 1000
    async with db.reader.execute("SELECT COUNT(*) FROM purchases") as cursor:
        assert (await cursor.fetchone())[0] == 1
    async with db.reader.execute("SELECT COUNT(*) FROM surveys") as cursor:
        assert (await cursor.fetchone())[0] == 1


async def test_due_surveys_start_one_per_customer_and_only_when_due(db: Database) -> None:
    clock = FakeClock()
    anna = await _customer(db, 100, clock)
    boris = await _customer(db, 200, clock)
    for customer_id, order in ((anna, "a1"), (anna, "a2"), (boris, "b1")):
        await record_purchase(
            db, _purchase(customer_id, clock, order), SurveyRules(timedelta(minutes=5)), now=clock()
        )
    async with db.transaction() as conn:
        assert await surveys.activate_due(conn, clock(), 100) == []
    clock.now += timedelta(minutes=5)
    async with db.transaction() as conn:
        started = await surveys.activate_due(conn, clock(), 100)
    assert sorted(s.customer_id for s in started) == [anna, boris]
    assert all(s.status is SurveyStatus.ACTIVE for s in started)
    # Anna's second survey waits while her first is in progress.
    async with db.transaction() as conn:
        assert await surveys.activate_due(conn, clock(), 100) == []


async def test_an_unsent_first_question_is_offered_again_then_expires(db: Database) -> None:
    clock = FakeClock()
    anna = await _customer(db, 100, clock)
    await record_purchase(db, _purchase(anna, clock, "a1"), SurveyRules(timedelta(0)), now=clock())
    async with db.transaction() as conn:
        (survey,) = await surveys.activate_due(conn, clock(), 100)
    assert await surveys.mark_unsent(db, survey.id, clock())
    async with db.transaction() as conn:  # not before its wait is over
        assert await surveys.claim_unsent(conn, clock() - timedelta(minutes=5), clock(), 9) == []
    clock.now += timedelta(minutes=5)
    async with db.transaction() as conn:
        (again,) = await surveys.claim_unsent(conn, clock() - timedelta(minutes=5), clock(), 9)
        assert await surveys.claim_unsent(conn, clock(), clock(), 9) == []  # claimed once
    assert again.id == survey.id and again.sent_at == clock()
    assert again.status is SurveyStatus.ACTIVE
    # Delivered (a prompt recorded): no longer "unsent", whatever a late give-up says.
    assert await surveys.set_prompt(db, survey.id, Question.NPS, 77, clock()) == "active"
    assert not await surveys.mark_unsent(db, survey.id, clock())
    # One never delivered still expires, counted from when it was due.
    boris = await _customer(db, 200, clock)
    await record_purchase(db, _purchase(boris, clock, "b1"), SurveyRules(timedelta(0)), now=clock())
    async with db.transaction() as conn:
        (second,) = await surveys.activate_due(conn, clock(), 100)
    assert await surveys.mark_unsent(db, second.id, clock())
    clock.now += timedelta(days=1)
    async with db.transaction() as conn:
        cutoff = second.due_at - timedelta(seconds=1)
        assert await surveys.expire(conn, cutoff, clock()) == []
        expired = await surveys.expire(conn, second.due_at, clock())
    assert {s.id: s.status for s in expired} == {
        survey.id: SurveyStatus.EXPIRED,  # sent at that moment
        second.id: SurveyStatus.EXPIRED,  # due then, never delivered
    }


async def test_answers_count_once_and_only_for_their_owner(db: Database) -> None:
    clock = FakeClock()
    anna = await _customer(db, 100, clock)
    await _customer(db, 200, clock)
    await record_purchase(db, _purchase(anna, clock, "x"), SurveyRules(timedelta(0)), now=clock())
    async with db.transaction() as conn:
        (survey,) = await surveys.activate_due(conn, clock(), 10)

    async def answer(update_id: int, user: int, given: Answer) -> Outcome:
        result = await answering.record(
            db,
            update_id=update_id,
            telegram_user_id=user,
            survey_id=survey.id,
            answer=given,
            now=clock(),
            alert_rules=parse_alert_rules(DEFAULT_ALERT_ON),
        )
        return result.outcome

    nps = Answer(Question.NPS, score=9)
    assert await answer(1, 200, nps) is Outcome.NOT_YOURS
    assert await answer(1, 100, Answer(Question.CSAT, score=5)) is Outcome.NOT_WAITING
    assert await answer(1, 100, nps) is Outcome.RECORDED
    assert await answer(1, 100, nps) is Outcome.NOT_WAITING  # the same button again
    # The same text update redelivered must not become the answer to the next question.
    assert await answer(2, 100, Answer(Question.CSAT, score=4)) is Outcome.RECORDED
    assert await answer(2, 100, Answer(Question.SATISFIED, choice=Choice.NO)) is (
        Outcome.DUPLICATE_UPDATE
    )
    assert await answer(3, 100, Answer(Question.SATISFIED, choice=Choice.NO)) is Outcome.RECORDED
    assert await answer(4, 100, Answer(Question.FIX, text="faster delivery")) is Outcome.RECORDED
    assert await answer(5, 100, Answer(Question.UPSELL, choice=Choice.NO)) is Outcome.RECORDED
    assert await answer(6, 100, Answer(Question.REFERRAL, choice=Choice.TEXT, text="Ivan")) is (
        Outcome.RECORDED
    )
    finished = await surveys.get(db.reader, survey.id)
    assert finished is not None
    assert finished.step == DONE and finished.status is SurveyStatus.COMPLETED
    stored = await answers.for_survey(db.reader, survey.id)
    assert [a.question for a in stored] == [
        Question.NPS,
        Question.CSAT,
        Question.SATISFIED,
        Question.FIX,
        Question.UPSELL,
        Question.REFERRAL,
    ]
    assert stored[0].score == 9 and stored[3].text == "faster delivery"
    async with db.reader.execute("SELECT kind, note FROM referrals") as cursor:
        assert [tuple(row) for row in await cursor.fetchall()] == [("text", "Ivan")]


async def test_throttle_stores_the_purchase_but_drops_the_survey(db: Database) -> None:
    clock = FakeClock()
    anna = await _customer(db, 100, clock)
    rules = SurveyRules(timedelta(0), throttle=timedelta(days=30))
    first = await record_purchase(db, _purchase(anna, clock, "t1"), rules, now=clock())
    clock.now += timedelta(days=29)
    inside = await record_purchase(db, _purchase(anna, clock, "t2"), rules, now=clock())
    clock.now += timedelta(days=2)
    after = await record_purchase(db, _purchase(anna, clock, "t3"), rules, now=clock())
    assert first.survey is not None and not first.throttled
    assert inside.survey is None and inside.throttled
    assert after.survey is not None and not after.throttled
    async with db.reader.execute("SELECT COUNT(*) FROM purchases") as cursor:
        assert (await cursor.fetchone())[0] == 3
    off = SurveyRules(timedelta(0), throttle=None)
    unthrottled = await record_purchase(db, _purchase(anna, clock, "t4"), off, now=clock())
    assert unthrottled.survey is not None


async def test_owed_messages_are_found_from_their_own_index(db: Database) -> None:
    """Every tick asks for surveys whose last message never went out; without statistics
    SQLite would read every completed survey's row for it (migration 8)."""
    statements: list[str] = []
    await db.reader.set_trace_callback(statements.append)
    try:
        await surveys.unprompted(db.reader)
    finally:
        await db.reader.set_trace_callback(None)
    (query,) = [s for s in statements if "prompt_message_id IS NULL" in s]
    plan = await db.reader.execute_fetchall(f"EXPLAIN QUERY PLAN {query}")
    surveys_read = [row[3] for row in plan if " surveys " in f" {row[3]} "]
    assert surveys_read and all("surveys_unprompted" in step for step in surveys_read), plan


async def test_history_older_than_the_max_age_is_stored_without_a_survey(db: Database) -> None:
    clock = FakeClock()
    anna = await _customer(db, 100, clock)
    rules = SurveyRules(timedelta(0), max_age=timedelta(days=3))
    old = NewPurchase(anna, 500, "RUB", clock() - timedelta(days=3, seconds=1), "csv", "H-1")
    recent = NewPurchase(anna, 500, "RUB", clock() - timedelta(days=2), "csv", "H-2")
    history = await record_purchase(db, old, rules, now=clock())
    fresh = await record_purchase(db, recent, rules, now=clock())
    assert history.status is IntakeStatus.CREATED and history.too_old and history.survey is None
    assert not fresh.too_old and fresh.survey is not None
    assert not history.survey_due(clock())


async def test_a_survey_for_a_customer_known_only_by_phone_waits_outside_the_due_ones(
    db: Database,
) -> None:
    clock = FakeClock()
    async with db.transaction() as conn:
        by_phone = await customers.get_or_create_by_phone(conn, "+79001112233", clock())
    rules = SurveyRules(timedelta(0))
    result = await record_purchase(db, _purchase(by_phone.id, clock, "P-1"), rules, now=clock())
    assert result.survey is not None and result.survey.status is SurveyStatus.WAITING
    assert not result.survey_due(clock())  # nobody to send it to: no dispatch is asked
    async with db.transaction() as conn:
        assert await surveys.activate_due(conn, clock(), 10) == []
        assert await surveys.expire(conn, clock() + timedelta(days=30), clock()) == []


async def test_sharing_the_phone_schedules_recent_waiting_surveys_and_expires_old_ones(
    db: Database,
) -> None:
    clock = FakeClock()
    async with db.transaction() as conn:
        by_phone = await customers.get_or_create_by_phone(conn, "+79001112233", clock())
    rules = SurveyRules(timedelta(0), throttle=None)
    old = NewPurchase(by_phone.id, 500, "RUB", clock() - timedelta(days=5), "api", "P-old")
    await record_purchase(db, old, rules, now=clock() - timedelta(days=5))
    await record_purchase(db, _purchase(by_phone.id, clock, "P-new"), rules, now=clock())
    anna_id = await _customer(db, 100, clock)
    async with db.transaction() as conn:
        anna = await customers.get(conn, anna_id)
        assert anna is not None
        assert await customers.link_phone(conn, anna, "+79001112233", clock()) == 2
        scheduled = await surveys.release_waiting(
            conn, anna_id, clock() - timedelta(days=3), clock()
        )
    assert scheduled == 1
    rows = await db.reader.execute_fetchall(
        "SELECT p.order_id, s.status, s.due_at >= ? FROM surveys s"
        " JOIN purchases p ON p.id = s.purchase_id ORDER BY s.id",
        (to_db(clock()),),
    )
    assert [tuple(row) for row in rows] == [("P-old", "expired", 0), ("P-new", "scheduled", 1)]


async def test_a_phone_another_account_holds_is_not_taken(db: Database) -> None:
    clock = FakeClock()
    anna_id = await _customer(db, 100, clock)
    boris_id = await _customer(db, 200, clock)
    async with db.transaction() as conn:
        anna, boris = await customers.get(conn, anna_id), await customers.get(conn, boris_id)
        assert anna is not None and boris is not None
        assert await customers.link_phone(conn, anna, "+79001112233", clock()) == 0
        assert await customers.link_phone(conn, boris, "+79001112233", clock()) is None
    rows = await db.reader.execute_fetchall("SELECT id, phone FROM customers ORDER BY id")
    assert [tuple(row) for row in rows] == [(anna_id, "+79001112233"), (boris_id, None)]


async def test_stalled_surveys_are_found_for_a_nudge_from_their_own_index(db: Database) -> None:
    """Every tick asks for them: the query names its partial index, and SQLite can use it
    only when the query's terms are the index's own (a mismatch fails the query)."""
    statements: list[str] = []
    clock = FakeClock()
    async with db.transaction() as conn:
        await conn.set_trace_callback(statements.append)
        try:
            await surveys.claim_nudges(conn, clock(), clock(), 10)
        finally:
            await conn.set_trace_callback(None)
    (query,) = [s for s in statements if "surveys_to_nudge" in s]
    plan = await db.reader.execute_fetchall(f"EXPLAIN QUERY PLAN {query}")
    assert any("surveys_to_nudge" in row[3] for row in plan), plan
