"""The schema as an append-only list: never edit an entry, add a new one.

`PRAGMA user_version` holds how many entries a database file has applied, so a newer
binary upgrades an older file in place, inside one transaction per step.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

INITIAL_SCHEMA = """
CREATE TABLE customers (
    id               INTEGER PRIMARY KEY,
    telegram_user_id INTEGER UNIQUE,
    first_name       TEXT,
    last_name        TEXT,
    username         TEXT,
    language         TEXT NOT NULL DEFAULT 'en',
    referral_code    TEXT NOT NULL UNIQUE,
    referred_by      INTEGER REFERENCES customers(id),
    started_at       TEXT,
    blocked_at       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE purchases (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    order_id     TEXT UNIQUE,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL,
    store        TEXT,
    source       TEXT NOT NULL,
    purchased_at TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX purchases_customer ON purchases(customer_id, purchased_at);

CREATE TABLE surveys (
    id                INTEGER PRIMARY KEY,
    customer_id       INTEGER NOT NULL REFERENCES customers(id),
    purchase_id       INTEGER UNIQUE REFERENCES purchases(id),
    status            TEXT NOT NULL
                      CHECK (status IN ('scheduled', 'active', 'completed', 'failed')),
    step              TEXT NOT NULL,
    due_at            TEXT NOT NULL,
    sent_at           TEXT,
    completed_at      TEXT,
    prompt_message_id INTEGER,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX surveys_status_due ON surveys(status, due_at);
CREATE INDEX surveys_customer ON surveys(customer_id, status);

CREATE TABLE answers (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES surveys(id),
    question    TEXT NOT NULL,
    score       INTEGER,
    choice      TEXT,
    text        TEXT,
    answered_at TEXT NOT NULL,
    UNIQUE (survey_id, question)
);

CREATE TABLE referrals (
    id               INTEGER PRIMARY KEY,
    referrer_id      INTEGER NOT NULL REFERENCES customers(id),
    survey_id        INTEGER REFERENCES surveys(id),
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'contact', 'link')),
    name             TEXT,
    phone            TEXT,
    telegram_user_id INTEGER,
    note             TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX referrals_referrer ON referrals(referrer_id);

CREATE TABLE processed_updates (
    update_id    INTEGER PRIMARY KEY,
    processed_at TEXT NOT NULL
);

CREATE TABLE fsm_states (
    storage_key TEXT PRIMARY KEY,
    state       TEXT,
    data        TEXT NOT NULL DEFAULT '{}'
);
"""

# Intake from tills and QR codes, and delivery rules. SQLite cannot change a CHECK or a
# NOT NULL in place, so purchases and surveys are rebuilt with their rows copied over.
INTAKE_AND_DELIVERY = """
ALTER TABLE customers ADD COLUMN phone TEXT;
CREATE UNIQUE INDEX customers_phone ON customers(phone) WHERE phone IS NOT NULL;

CREATE TABLE purchases_v2 (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    order_id     TEXT UNIQUE,
    amount_minor INTEGER CHECK (amount_minor IS NULL OR amount_minor > 0),
    currency     TEXT NOT NULL,
    store        TEXT,
    source       TEXT NOT NULL,
    purchased_at TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    request_hash TEXT,
    response     TEXT
);
INSERT INTO purchases_v2 (id, customer_id, order_id, amount_minor, currency, store, source,
                          purchased_at, created_at)
    SELECT id, customer_id, order_id, amount_minor, currency, store, source, purchased_at,
           created_at
    FROM purchases;

CREATE TABLE surveys_v2 (
    id                INTEGER PRIMARY KEY,
    customer_id       INTEGER NOT NULL REFERENCES customers(id),
    purchase_id       INTEGER UNIQUE REFERENCES purchases_v2(id),
    status            TEXT NOT NULL,
    step              TEXT NOT NULL,
    due_at            TEXT NOT NULL,
    sent_at           TEXT,
    reminded_at       TEXT,
    completed_at      TEXT,
    expired_at        TEXT,
    prompt_message_id INTEGER,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
INSERT INTO surveys_v2 (id, customer_id, purchase_id, status, step, due_at, sent_at,
                        completed_at, prompt_message_id, created_at, updated_at)
    SELECT id, customer_id, purchase_id, status, step, due_at, sent_at, completed_at,
           prompt_message_id, created_at, updated_at
    FROM surveys;

CREATE TABLE answers_v2 (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES surveys_v2(id),
    question    TEXT NOT NULL,
    score       INTEGER,
    choice      TEXT,
    text        TEXT,
    answered_at TEXT NOT NULL,
    UNIQUE (survey_id, question)
);
INSERT INTO answers_v2 SELECT * FROM answers;

CREATE TABLE referrals_v2 (
    id               INTEGER PRIMARY KEY,
    referrer_id      INTEGER NOT NULL REFERENCES customers(id),
    survey_id        INTEGER REFERENCES surveys_v2(id),
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'contact', 'link')),
    name             TEXT,
    phone            TEXT,
    telegram_user_id INTEGER,
    note             TEXT,
    created_at       TEXT NOT NULL
);
INSERT INTO referrals_v2 SELECT * FROM referrals;

DROP TABLE referrals;
DROP TABLE answers;
DROP TABLE surveys;
DROP TABLE purchases;
ALTER TABLE purchases_v2 RENAME TO purchases;
ALTER TABLE surveys_v2 RENAME TO surveys;
ALTER TABLE answers_v2 RENAME TO answers;
ALTER TABLE referrals_v2 RENAME TO referrals;

CREATE INDEX purchases_customer ON purchases(customer_id, purchased_at);
CREATE INDEX surveys_status_due ON surveys(status, due_at);
CREATE INDEX surveys_customer ON surveys(customer_id, created_at);
CREATE INDEX referrals_referrer ON referrals(referrer_id);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# What owners get: detractor alerts and their messages, the digests sent, and indexes that
# let the metrics be SQL aggregates over index ranges.
INSIGHT = """
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL UNIQUE REFERENCES surveys(id),
    score       INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    claimed_by  INTEGER,
    claimed_at  TEXT,
    resolved_by INTEGER,
    resolved_at TEXT,
    reminded_at TEXT
);
CREATE INDEX alerts_open ON alerts(resolved_at, created_at);

CREATE TABLE alert_messages (
    alert_id   INTEGER NOT NULL REFERENCES alerts(id),
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (alert_id, chat_id)
);

CREATE TABLE digests (
    period_start TEXT NOT NULL,
    chat_id      INTEGER NOT NULL,
    claimed_at   TEXT NOT NULL,
    sent_at      TEXT,
    PRIMARY KEY (period_start, chat_id)
);

-- Covering indexes: each figure is read from an index range without touching the rows.
CREATE INDEX answers_question_time ON answers(question, answered_at, score, choice);
CREATE INDEX answers_with_text ON answers(survey_id) WHERE text IS NOT NULL;
CREATE INDEX purchases_time ON purchases(purchased_at, customer_id, currency, amount_minor);
CREATE INDEX surveys_sent ON surveys(sent_at, step, status);
CREATE INDEX referrals_time ON referrals(created_at);
CREATE INDEX alerts_created ON alerts(created_at);
"""

# Customers' rights: saying no to surveys, choosing a language, being forgotten.
CUSTOMER_RIGHTS = """
ALTER TABLE customers ADD COLUMN opted_out_at TEXT;
ALTER TABLE customers ADD COLUMN language_chosen_at TEXT;
ALTER TABLE customers ADD COLUMN forgotten_at TEXT;
"""

# Staff managed from the chat: OWNER_IDS/ADMIN_IDS seed the table once, /staff changes it,
# and every change is kept.
STAFF = """
CREATE TABLE staff (
    user_id  INTEGER PRIMARY KEY,
    role     TEXT NOT NULL CHECK (role IN ('owner', 'admin')),
    added_by INTEGER,
    added_at TEXT NOT NULL
);

CREATE TABLE staff_changes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('seeded', 'added', 'role', 'removed')),
    role       TEXT,
    changed_by INTEGER,
    changed_at TEXT NOT NULL
);
"""

# The console: settings owners change from the chat, their own wording of the questions,
# and the thank-you reward codes (each code goes to one completed survey, never twice).
CONSOLE = """
CREATE TABLE setting_overrides (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    changed_by INTEGER NOT NULL,
    changed_at TEXT NOT NULL
);

CREATE TABLE setting_changes (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    value      TEXT,
    changed_by INTEGER NOT NULL,
    changed_at TEXT NOT NULL
);

CREATE TABLE custom_texts (
    key        TEXT NOT NULL,
    language   TEXT NOT NULL,
    text       TEXT NOT NULL,
    changed_by INTEGER NOT NULL,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (key, language)
);

CREATE TABLE reward_codes (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    added_by  INTEGER NOT NULL,
    added_at  TEXT NOT NULL,
    survey_id INTEGER UNIQUE REFERENCES surveys(id),
    issued_at TEXT
);
CREATE INDEX reward_codes_free ON reward_codes(survey_id, id);
"""

# The survey funnel counts the surveys of a period with a written fix or upsell answer:
# one probe per survey into an index of the written answers alone, by survey and question,
# never a row read (storage.insight.funnel names it, since without ANALYZE's statistics
# SQLite would rather read every row of the question's answers).
COMMENTED_SURVEYS = """
DROP INDEX answers_with_text;
CREATE INDEX answers_text_by_question ON answers(survey_id, question) WHERE text IS NOT NULL;
"""

# Every dispatch tick (and every start) looks for surveys whose last message never went
# out: an index of those alone, a handful, instead of every completed survey's row.
UNPROMPTED_SURVEYS = """
CREATE INDEX surveys_unprompted ON surveys(status) WHERE prompt_message_id IS NULL;
"""

# aiogram's conversation state was kept here for multi-step staff dialogues, and none came:
# a survey's progress lives in `surveys`, every staff command takes its arguments at once.
NO_DIALOGUE_STATE = """
DROP TABLE fsm_states;
"""

# A customer who stops in the middle of a survey is nudged once to go on: when the current
# question was asked, and whether the nudge was claimed. Surveys asked before this version
# count from their last change. The index holds the stalled candidates alone.
NUDGES = """
ALTER TABLE surveys ADD COLUMN asked_at TEXT;
ALTER TABLE surveys ADD COLUMN nudged_at TEXT;
UPDATE surveys SET asked_at = updated_at WHERE prompt_message_id IS NOT NULL;
CREATE INDEX surveys_to_nudge ON surveys(asked_at)
    WHERE status = 'active' AND step != 'nps' AND nudged_at IS NULL;
"""

# Alerts are raised by a low CSAT too (ALERT_ON): which question raised each.
ALERT_QUESTION = """
ALTER TABLE alerts ADD COLUMN question TEXT NOT NULL DEFAULT 'nps';
"""

# Stores as one list: every purchase carries its store's key (core.stores: case, ё and
# separators folded, then an owner's alias resolved), `stores` the name each is shown by
# (the first spelling seen until an owner renames it), `store_aliases` the other names an
# owner joined to a store. The key function is registered on every connection
# (storage.database).
STORES = """
ALTER TABLE purchases ADD COLUMN store_key TEXT;
UPDATE purchases SET store_key = store_key_of(store) WHERE store IS NOT NULL;
CREATE INDEX purchases_by_store ON purchases(store_key, purchased_at) WHERE store_key IS NOT NULL;
CREATE TABLE stores (
    key        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE store_aliases (
    alias      TEXT PRIMARY KEY,
    store_key  TEXT NOT NULL REFERENCES stores(key),
    created_at TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO stores (key, name, created_at)
    SELECT store_key, store_name_of(store), MIN(created_at) FROM purchases
    WHERE store_key IS NOT NULL GROUP BY store_key;
"""

# Themes of written answers: the dictionary owners edit (/themes; the defaults are written
# at the first start, analytics/theme_defaults.py), and each written answer's themes with,
# for an answer in none, its telling words. Erasing an answer's text erases them too.
THEMES = """
CREATE TABLE themes (
    key      TEXT PRIMARY KEY,
    name_ru  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    entries  TEXT NOT NULL,
    position INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE answer_topics (
    answer_id INTEGER PRIMARY KEY REFERENCES answers(id) ON DELETE CASCADE,
    themes    TEXT NOT NULL,
    words     TEXT NOT NULL
);
CREATE TRIGGER answer_topics_erased AFTER UPDATE OF text ON answers WHEN NEW.text IS NULL
BEGIN
    DELETE FROM answer_topics WHERE answer_id = NEW.id;
END;
"""

# Referrals credited: a customer who came by another's personal link (`referred_by`) has
# every purchase credited to that customer, read through an index of the referred alone.
# With REFERRAL_REWARD on, the friend's first purchase owes the referrer a pool code, once
# per friend (`referral_rewards`, sent by the tick); a pool code goes to a survey or to a
# friend's referrer, never both.
REFERRALS_CREDITED = """
CREATE INDEX customers_referred ON customers(referred_by) WHERE referred_by IS NOT NULL;
ALTER TABLE reward_codes ADD COLUMN friend_id INTEGER REFERENCES customers(id);
CREATE UNIQUE INDEX reward_codes_friend ON reward_codes(friend_id) WHERE friend_id IS NOT NULL;
CREATE TABLE referral_rewards (
    friend_id   INTEGER PRIMARY KEY REFERENCES customers(id),
    referrer_id INTEGER NOT NULL REFERENCES customers(id),
    purchase_id INTEGER NOT NULL REFERENCES purchases(id),
    created_at  TEXT NOT NULL,
    settled_at  TEXT,
    outcome     TEXT CHECK (outcome IN ('sent', 'unreachable'))
);
CREATE INDEX referral_rewards_owed ON referral_rewards(created_at) WHERE settled_at IS NULL;
"""

# The themes of a period read the written answers of that period alone: an index of the
# answers that carry text, by time (for two years of answers, 0.15 s instead of reading
# every upsell answer's row; storage.themes).
WRITTEN_BY_TIME = """
CREATE INDEX answers_written_by_time ON answers(answered_at) WHERE text IS NOT NULL;
"""

# Leads: what the follow-up answers bring in, as work with a status (storage.leads). A lead
# holds no words of its own, it points at the answer (and the referral) that hold them, so
# erasing a customer or old text leaves no copy behind. The answers already given become
# leads of the day they were given.
LEADS = """
CREATE TABLE leads (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('upsell', 'fix', 'referral')),
    answer_id    INTEGER NOT NULL UNIQUE REFERENCES answers(id),
    referral_id  INTEGER REFERENCES referrals(id),
    status       TEXT NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'contacted', 'won', 'lost')),
    created_at   TEXT NOT NULL,
    contacted_at TEXT,
    status_at    TEXT,
    status_by    INTEGER
);
CREATE INDEX leads_status ON leads(status, id);
CREATE INDEX leads_created ON leads(created_at);
CREATE INDEX leads_contacted ON leads(contacted_at) WHERE contacted_at IS NOT NULL;
CREATE INDEX leads_won ON leads(status_at) WHERE status = 'won';
INSERT INTO leads (kind, answer_id, referral_id, created_at)
SELECT kind, answer_id, referral_id, created_at FROM (
    SELECT question AS kind, id AS answer_id, NULL AS referral_id, answered_at AS created_at
    FROM answers
    WHERE question IN ('fix', 'upsell') AND TRIM(COALESCE(text, '')) != ''
    UNION ALL
    SELECT 'referral', a.id, r.id, a.answered_at
    FROM referrals r JOIN answers a ON a.survey_id = r.survey_id AND a.question = 'ref'
    WHERE r.kind IN ('text', 'contact')
) ORDER BY created_at, answer_id;
"""

# Outgoing webhooks (storage.outbox): the endpoints owners registered, the events written in
# the transaction of what they report, and one delivery per event and endpoint, tried until
# it is delivered or given up. An event holds ids and the change it reports, never a
# person's words: its body is read from the tables when it is sent, so a /forget before
# then leaves nothing of the person in it.
WEBHOOKS = """
CREATE TABLE webhook_endpoints (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    events          TEXT NOT NULL DEFAULT '*',
    from_env        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    disabled_at     TEXT,
    disabled_reason TEXT,
    delivered       INTEGER NOT NULL DEFAULT 0,
    failures        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_error_at   TEXT,
    last_delivered_at TEXT
);
CREATE UNIQUE INDEX webhook_endpoints_from_env ON webhook_endpoints(from_env) WHERE from_env = 1;
CREATE TABLE webhook_events (
    id          INTEGER PRIMARY KEY,
    type        TEXT NOT NULL,
    subject_id  INTEGER NOT NULL,
    change      TEXT NOT NULL DEFAULT '{}',
    occurred_at TEXT NOT NULL
);
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    message_id      TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'failed', 'dropped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    finished_at     TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, state);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries(finished_at)
    WHERE finished_at IS NOT NULL;
"""

MIGRATIONS: tuple[str, ...] = (
    INITIAL_SCHEMA,
    INTAKE_AND_DELIVERY,
    INSIGHT,
    CUSTOMER_RIGHTS,
    STAFF,
    CONSOLE,
    COMMENTED_SURVEYS,
    UNPROMPTED_SURVEYS,
    NO_DIALOGUE_STATE,
    NUDGES,
    ALERT_QUESTION,
    STORES,
    THEMES,
    REFERRALS_CREDITED,
    WRITTEN_BY_TIME,
    LEADS,
    WEBHOOKS,
)


class SchemaTooNewError(RuntimeError):
    """The file was written by a newer version of the bot; refusing to touch it."""


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Apply every migration the file has not seen yet; return the resulting version."""
    current = await schema_version(conn)
    if current > len(migrations):
        raise SchemaTooNewError(
            f"database schema version {current} is newer than this bot knows "
            f"({len(migrations)}); upgrade the bot instead of downgrading the file"
        )
    for version, script in enumerate(migrations[current:], start=current + 1):
        # executescript() would commit on its own; one explicit transaction per step
        # keeps a failed step from leaving a half-applied schema behind.
        try:
            await conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
            )
        except Exception:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
    return len(migrations)
