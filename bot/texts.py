"""Every text a person sees, in Russian and English, as HTML templates.

Placeholders are filled by `t()`, which escapes the values, so a customer's name or
answer can never break the markup of a message.
"""

from __future__ import annotations

import html
from typing import Any

RUSSIAN_SPEAKING = frozenset({"ru", "uk", "be", "kk"})
DEFAULT_LANGUAGE = "en"


def language_for(language_code: str | None) -> str:
    """Russian for ru, uk, be and kk (any region), English otherwise."""
    base = (language_code or "").split("-")[0].split("_")[0].lower()
    return "ru" if base in RUSSIAN_SPEAKING else "en"


TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "welcome": (
            "Hi, {name}! 👋\n\nAfter a purchase I will ask you a few quick questions about how it "
            "went. It takes a minute and helps us get better.\n\n/help — what I can do"
        ),
        "welcome_back": "Welcome back, {name}! 👋\n\n/help — what I can do",
        "continue_survey": "Let's continue where we stopped:",
        "btn_share_phone": "Share my phone",
        "phone_offer": (
            "Share your phone number with the button below, and purchases registered with it "
            "at our tills will reach you here too."
        ),
        "phone_saved": "Thank you! Your number is saved.",
        "phone_invalid": "This does not look like a valid phone number; nothing was saved.",
        "qr_thanks": "Thank you for your purchase! We will ask you a few quick questions soon.",
        "qr_invalid": "This QR code is not valid. Please scan the code on your receipt again.",
        "qr_used": "This receipt is already registered.",
        "qr_caption": "QR code for store {store}:\n{link}",
        "qr_bad_store": "A store code is 1–16 Latin letters or digits, for example: /qr shop1",
        "csv_report": (
            "📄 Import of {filename}: {imported} purchases imported, {duplicates} skipped as "
            "duplicates, {rejected} rejected. Surveys scheduled: {surveys}."
        ),
        "csv_rejected_line": "line {line}: {reason}",
        "csv_more_rejected": "…and {count} more rejected lines.",
        "csv_file_error": "📄 {filename} was not imported: {reason}",
        "csv_not_csv": "Send purchases as a .csv file (see docs/csv-import.md for the columns).",
        "help_customer": (
            "I collect feedback after your purchases: a few quick questions, a minute of your "
            "time.\n\n/start — start or restart\n/language — Русский or English\n"
            "/stop — no more surveys\n/forget — delete my data\n/help — this message"
        ),
        "help_staff": (
            "\n\n<b>Staff commands</b>\n"
            "/purchase &lt;telegram_user_id&gt; &lt;amount&gt; [order_id] — register a purchase; "
            "the customer gets a survey {delay} later\n"
            "/qr [store] — a QR code for the counter or receipts\n"
            "/stats [7d|30d|90d|all] — the headline figures\n"
            "/digest — the digest of the last 7 days, now\n"
            "/export [csv|xlsx] — every survey, purchase and referral as a file\n"
            "/pause, /resume — stop and restart all outgoing surveys\n"
            "/staff — who runs the bot (owners add and remove staff)\n"
            "A .csv file — import purchases"
        ),
        "q_nps": (
            "<b>How likely are you to recommend us to a friend or colleague?</b>\n"
            "0 — not at all likely, 10 — extremely likely"
        ),
        "q_csat": (
            "<b>How satisfied are you with your purchase?</b>\n"
            "1 — very dissatisfied, 5 — very satisfied"
        ),
        "q_sat": "<b>Are you 100% satisfied with our service?</b>",
        "q_fix": "<b>What should we fix?</b>\nWrite a few words, please.",
        "q_upsell": (
            "<b>Is there a product or service we could offer that would make you happier or more "
            "successful?</b>\nWrite it here, or press “No, thanks”."
        ),
        "q_ref": (
            "<b>Do you know someone who might be interested in what we do?</b>\n"
            "Write their name and how to reach them, or share their contact (📎 → Contact). "
            "Or press “No”.\n\nYour personal link to forward: {link}"
        ),
        "thanks": "Thank you for your feedback! It really helps us. 🙏",
        "reminder": "A gentle reminder: we would love to hear how your purchase went.",
        "btn_yes": "Yes",
        "btn_no": "No",
        "btn_no_thanks": "No, thanks",
        "answered": "{question}\n\n✅ {answer}",
        "answer_received": "Answer received",
        "answer_label": "Your answer: {label}",
        "hint_buttons": "Please answer with the buttons under the question.",
        "hint_text": "Please answer with a text message.",
        "hint_text_or_button": "Please answer with a text message or the button below.",
        "hint_referral": (
            "Please write a name and how to reach them, share a contact, or press “No”."
        ),
        "too_long": (
            "Your answer is {length} characters long; the limit is {limit}. "
            "Please shorten it and send it again."
        ),
        "cb_already_answered": "This question has already been answered. Thank you!",
        "cb_not_yours": "This button is not for you.",
        "cb_gone": "This survey is no longer available.",
        "cb_invalid": "This button is not valid.",
        "idle": (
            "Thank you for your message! I will ask for your feedback after your next purchase."
            "\n/help — what I can do"
        ),
        "unknown_command": "I don't know this command. /help lists what I can do.",
        "error": "Sorry, something went wrong on our side. Please try again in a moment.",
        "staff_only": "This command is for staff only.",
        "purchase_usage": (
            "Usage: /purchase &lt;telegram_user_id&gt; &lt;amount&gt; [order_id]\n"
            "Example: /purchase 123456789 1500.50 A-1001"
        ),
        "purchase_bad_user": "“{value}” is not a Telegram user id: it must be a whole number.",
        "purchase_bad_amount": (
            "“{value}” is not a valid amount: use a positive number such as 1500 or 1500.50."
        ),
        "purchase_bad_order": (
            "The order id must be 1–64 characters of letters, digits and - _ . / #."
        ),
        "purchase_unknown_customer": (
            "User {user_id} has not started this bot yet, so they cannot get a survey. "
            "Ask them to open the bot and press Start, then try again."
        ),
        "purchase_created": (
            "✅ Purchase #{purchase_id} registered: {amount} for {customer}.\n"
            "Survey #{survey_id} goes out {when}."
        ),
        "purchase_throttled": (
            "✅ Purchase #{purchase_id} registered: {amount} for {customer}.\n"
            "No survey this time: they were surveyed within the last {days} days."
        ),
        "purchase_replayed": (
            "Order {order_id} is already registered as purchase #{purchase_id}; "
            "nothing new was created."
        ),
        "purchase_conflict": (
            "Order {order_id} is already registered with different data "
            "(purchase #{purchase_id}); nothing was changed."
        ),
        "when_now": "now",
        "when_at": "at {time} ({timezone})",
        "cmd_start": "Start",
        "cmd_help": "What I can do",
        "cmd_purchase": "Register a purchase",
        "cmd_qr": "QR code for a store",
        "staff_title": "<b>Staff</b>",
        "staff_line": "• {name} (id {user}): {role}",
        "staff_hint": (
            "\nOwners change it: /staff add &lt;id&gt; admin|owner, /staff remove &lt;id&gt;"
        ),
        "staff_usage": (
            "Usage: /staff, /staff add &lt;id&gt; admin|owner, or /staff remove &lt;id&gt;."
        ),
        "staff_added": "✅ {user} is now {role}.",
        "staff_role_changed": "✅ {user} is now {role}.",
        "staff_unchanged": "{user} is {role} already; nothing changed.",
        "staff_removed": "✅ {user} is no longer staff.",
        "staff_not_member": "{user} is not staff; nothing changed.",
        "staff_last_owner": "{user} is the last owner and stays one: add another owner first.",
        "owners_only": "Only owners can change the staff.",
        "role_owner": "owner",
        "role_admin": "admin",
        "role_none": "—",
        "cmd_staff": "Staff: list, add, remove",
        "paused": (
            "⏸ Surveys are paused: none will start and no reminders go out. Surveys already "
            "running can still be answered. /resume — restart them."
        ),
        "resumed": "▶️ Surveys are running again; the ones that came due meanwhile go out now.",
        "not_paused": "Surveys were not paused; nothing changed.",
        "cmd_pause": "Pause all outgoing surveys",
        "cmd_resume": "Restart outgoing surveys",
        "forget_confirm": (
            "Delete your data? Your name, username, phone, written answers and the contacts "
            "you recommended are erased for good; your scores stay, anonymous, in our "
            "statistics. You will get no more surveys."
        ),
        "btn_forget_yes": "Yes, delete my data",
        "btn_forget_no": "Cancel",
        "forgotten": "Done: your personal data is deleted. Goodbye, and thank you!",
        "forget_cancelled": "Nothing was deleted.",
        "forget_nothing": "We hold no data about you.",
        "cmd_forget": "Delete my data",
        "btn_opt_out": "Don't ask me again",
        "opted_out": (
            "Done: you will not get any more surveys from us. Changed your mind? Send /start."
        ),
        "resubscribed": "You will get our short surveys after purchases again. /stop — to stop.",
        "purchase_opted_out": (
            "✅ Purchase #{purchase_id} registered: {amount}, customer {customer}.\n"
            "No survey: the customer asked not to be surveyed (/stop)."
        ),
        "language_choose": "Choose your language:",
        "language_name": "English",
        "language_set": "Done: I will write to you in English.",
        "cmd_language": "Change the language",
        "cmd_stop": "No more surveys",
        "cmd_stats": "Headline figures: /stats 7d|30d|90d|all",
        "cmd_digest": "The digest for the last 7 days, now",
        "cmd_export": "Export all answers: /export csv|xlsx",
        # detractor alerts
        "alert_title": "🚨 <b>Detractor: {score}/10</b>",
        "alert_customer": "Customer: {customer}",
        "alert_no_name": "no name",
        "alert_phone": "Phone: {phone}",
        "alert_order": "Order: {order} · store: {store}",
        "alert_time": "Answered: {time}",
        "alert_comment": "What to fix: «{comment}»",
        "alert_no_comment": "No comment yet: it will appear here when the customer writes one.",
        "alert_claimed": "🙋 {who} is handling it.",
        "alert_resolved": "✅ Resolved by {who}.",
        "btn_alert_claim": "I'll handle it",
        "btn_alert_resolve": "Resolved",
        "alert_reminder": "⏰ This detractor alert is still open after {hours} h.",
        "alert_claim_ok": "Noted: you are handling it.",
        "alert_resolve_ok": "Marked as resolved.",
        "alert_already_resolved": "This alert is resolved already.",
        "alert_gone": "This alert no longer exists.",
        # figures
        "verdict_aim": "✅ meets the aim",
        "verdict_industry": "➖ industry level",
        "verdict_below": "⚠️ below the industry",
        "dur_minutes": "{n} min",
        "dur_hours": "{n} h",
        "dur_days": "{n} days",
        "nps_none": "<b>NPS</b>: no answers in this period.",
        "nps_line": (
            "<b>NPS {score}</b> (promoters {promoters} · passives {passives} · "
            "detractors {detractors}; {total} answers)"
        ),
        "nps_too_few": "Too few answers to judge.",
        "nps_interval": "Few answers ({total}): the true NPS is likely between {low} and {high}.",
        "nps_reference": "Industry 30–50, aim above 50: {verdict}",
        "nps_no_previous": "No NPS in the previous period to compare with.",
        "nps_change": "Change: {delta} against the previous period ({previous}).",
        "csat_line": "<b>CSAT {average}</b> / 5 ({share}% gave 4–5; {total} answers)",
        "csat_none": "<b>CSAT</b>: no answers in this period.",
        "satisfied_line": "100% satisfied: {share}% ({yes} of {total})",
        "funnel_none": "No surveys were sent in this period.",
        "funnel_line": (
            "Surveys sent: {sent} · answered: {answered} ({response}) · "
            "completed: {completed} ({completion} of started) · with comments: {comments}"
        ),
        "loyalty_title": "<b>Loyalty</b>",
        "retention_none": "Retention: no customers a year ago to measure it by.",
        "retention_line": (
            "Retention {crr}%, churn {churn}% (customers a year ago {start}, now {end}, "
            "new since {new}). Industry 60–70%, aim above 70%: {verdict}"
        ),
        "purchases_none": "No purchases in this period.",
        "purchases_line": ("Purchases: {purchases} by {customers} customers ({new} of them new)"),
        "average_check": "Average check: {amount}",
        "year_title": "<i>Last 365 days</i>",
        "repeat_line": "Repeat purchase rate {repeat}% · purchase frequency {frequency}",
        "per_year_line": (
            "Purchases per customer per year: {value}. Industry 3.5, aim 4 or more: {verdict}"
        ),
        "clv_line": (
            "CLV: {clv} (average check × purchases per year × lifetime of {years} years, "
            "estimated as 1 / yearly churn, at most 10)"
        ),
        "stores_title": "<b>By store</b>",
        "store_line": "{store}: {purchases} purchases · NPS {nps} ({total} answers)",
        "stores_more": "… and {count} more stores (all of them are in /export).",
        "fixes_title": "<b>What to fix</b> (latest)",
        "upsells_title": "<b>What customers would buy</b> (latest)",
        "comment_line": "• {when} {who}: «{text}»",
        "referrals_title": "<b>Referrals collected: {count}</b>",
        "referral_line": "• from {who}: {about}",
        "alerts_open": "🚨 <b>Open detractor alerts: {count}</b>",
        "alert_open_line": "• {score}/10 from {who}, {when}",
        "alerts_all_closed": "All detractor alerts of the period are resolved.",
        "alerts_response": (
            "Median time to the first response: {median} ({answered} of {raised} alerts answered)."
        ),
        "digest_title": "📊 <b>Weekly digest</b> · {span}",
        "digest_daily_title": "📊 <b>Daily digest</b> · {span}",
        "digest_now_title": "📊 <b>Digest for the last 7 days</b> · {span}",
        "digest_quiet": "A quiet period: no purchases, surveys or answers.",
        "digest_chart": "NPS and CSAT by week, last 12 weeks",
        "stats_title": "📈 <b>Figures: {label}</b> · {span}",
        "stats_label_7d": "last 7 days",
        "stats_label_30d": "last 30 days",
        "stats_label_90d": "last 90 days",
        "stats_label_all": "all time",
        "stats_usage": "Usage: /stats [7d|30d|90d|all] (30d if left out).",
        "stats_empty": "Nothing recorded yet: no purchases and no answers.",
        "export_usage": "Usage: /export [csv|xlsx] (xlsx if left out).",
        "export_caption": (
            "Export of {surveys} surveys, {purchases} purchases, {referrals} referrals. "
            "Times are in UTC."
        ),
        "export_working": "Preparing the export…",
    },
    "ru": {
        "welcome": (
            "Здравствуйте, {name}! 👋\n\nПосле покупки я задам вам несколько коротких вопросов о "
            "том, как всё прошло. Это займёт минуту и поможет нам стать лучше.\n\n"
            "/help — что я умею"
        ),
        "welcome_back": "С возвращением, {name}! 👋\n\n/help — что я умею",
        "continue_survey": "Продолжим с того места, где остановились:",
        "btn_share_phone": "Поделиться номером",
        "phone_offer": (
            "Поделитесь номером телефона кнопкой ниже — тогда покупки, оформленные на него на "
            "кассе, тоже будут приходить сюда."
        ),
        "phone_saved": "Спасибо! Ваш номер сохранён.",
        "phone_invalid": "Это не похоже на номер телефона; ничего не сохранено.",
        "qr_thanks": "Спасибо за покупку! Скоро зададим вам пару коротких вопросов.",
        "qr_invalid": "Этот QR-код недействителен. Отсканируйте, пожалуйста, код на чеке ещё раз.",
        "qr_used": "Этот чек уже зарегистрирован.",
        "qr_caption": "QR-код магазина {store}:\n{link}",
        "qr_bad_store": "Код магазина — от 1 до 16 латинских букв или цифр, например: /qr shop1",
        "csv_report": (
            "📄 Импорт {filename}: импортировано покупок — {imported}, пропущено как дубликаты — "
            "{duplicates}, отклонено — {rejected}. Запланировано опросов: {surveys}."
        ),
        "csv_rejected_line": "строка {line}: {reason}",
        "csv_more_rejected": "…и ещё {count} отклонённых строк.",
        "csv_file_error": "📄 {filename} не импортирован: {reason}",
        "csv_not_csv": "Пришлите покупки файлом .csv (колонки описаны в docs/csv-import.md).",
        "help_customer": (
            "Я собираю отзывы после ваших покупок: несколько коротких вопросов, минута вашего "
            "времени.\n\n/start — начать заново\n/language — русский или English\n"
            "/stop — больше не присылать опросы\n/forget — удалить мои данные\n"
            "/help — это сообщение"
        ),
        "help_staff": (
            "\n\n<b>Команды для сотрудников</b>\n"
            "/purchase &lt;telegram_user_id&gt; &lt;сумма&gt; [номер_заказа] — зарегистрировать "
            "покупку; клиент получит опрос через {delay}\n"
            "/qr [магазин] — QR-код для кассы или чеков\n"
            "/stats [7d|30d|90d|all] — главные показатели\n"
            "/digest — сводка за последние 7 дней, сейчас\n"
            "/export [csv|xlsx] — все опросы, покупки и рекомендации файлом\n"
            "/pause, /resume — приостановить и возобновить все опросы\n"
            "/staff — сотрудники (владельцы добавляют и убирают)\n"
            "Файл .csv — импорт покупок"
        ),
        "q_nps": (
            "<b>Насколько вероятно, что вы порекомендуете нас другу или коллеге?</b>\n"
            "0 — точно нет, 10 — обязательно порекомендую"
        ),
        "q_csat": (
            "<b>Насколько вы довольны покупкой?</b>\n1 — совсем не доволен, 5 — очень доволен"
        ),
        "q_sat": "<b>Вы на 100% довольны нашим обслуживанием?</b>",
        "q_fix": "<b>Что нам стоит исправить?</b>\nНапишите, пожалуйста, пару слов.",
        "q_upsell": (
            "<b>Есть ли товар или услуга, которые мы могли бы предложить, чтобы вы стали "
            "счастливее или успешнее?</b>\nНапишите здесь или нажмите «Нет, спасибо»."
        ),
        "q_ref": (
            "<b>Знаете ли вы кого-то, кому может быть интересно то, что мы делаем?</b>\n"
            "Напишите имя и как связаться или поделитесь контактом (📎 → Контакт). "
            "Или нажмите «Нет».\n\nВаша личная ссылка, чтобы переслать друзьям: {link}"
        ),
        "thanks": "Спасибо за отзыв! Он очень нам помогает. 🙏",
        "reminder": "Напоминаем: нам очень важно узнать, как прошла ваша покупка.",
        "btn_yes": "Да",
        "btn_no": "Нет",
        "btn_no_thanks": "Нет, спасибо",
        "answered": "{question}\n\n✅ {answer}",
        "answer_received": "Ответ получен",
        "answer_label": "Ваш ответ: {label}",
        "hint_buttons": "Пожалуйста, ответьте кнопками под вопросом.",
        "hint_text": "Пожалуйста, ответьте текстовым сообщением.",
        "hint_text_or_button": "Пожалуйста, ответьте текстом или кнопкой под вопросом.",
        "hint_referral": (
            "Пожалуйста, напишите имя и как связаться, поделитесь контактом или нажмите «Нет»."
        ),
        "too_long": (
            "В вашем ответе {length} символов, а можно не больше {limit}. "
            "Пожалуйста, сократите его и отправьте снова."
        ),
        "cb_already_answered": "На этот вопрос вы уже ответили. Спасибо!",
        "cb_not_yours": "Эта кнопка не для вас.",
        "cb_gone": "Этот опрос больше недоступен.",
        "cb_invalid": "Эта кнопка недействительна.",
        "idle": (
            "Спасибо за сообщение! Я спрошу ваше мнение после следующей покупки."
            "\n/help — что я умею"
        ),
        "unknown_command": "Я не знаю такой команды. /help — список того, что я умею.",
        "error": "Извините, у нас что-то пошло не так. Попробуйте ещё раз чуть позже.",
        "staff_only": "Эта команда только для сотрудников.",
        "purchase_usage": (
            "Формат: /purchase &lt;telegram_user_id&gt; &lt;сумма&gt; [номер_заказа]\n"
            "Пример: /purchase 123456789 1500.50 A-1001"
        ),
        "purchase_bad_user": "«{value}» — не Telegram user id: нужно целое число.",
        "purchase_bad_amount": (
            "«{value}» — неверная сумма: укажите положительное число, например 1500 или 1500.50."
        ),
        "purchase_bad_order": ("Номер заказа — от 1 до 64 символов: буквы, цифры и - _ . / #."),
        "purchase_unknown_customer": (
            "Пользователь {user_id} ещё не запускал бота, поэтому не может получить опрос. "
            "Попросите его открыть бота и нажать «Старт», затем повторите."
        ),
        "purchase_created": (
            "✅ Покупка #{purchase_id} зарегистрирована: {amount}, клиент {customer}.\n"
            "Опрос #{survey_id} будет отправлен {when}."
        ),
        "purchase_throttled": (
            "✅ Покупка #{purchase_id} зарегистрирована: {amount}, клиент {customer}.\n"
            "Опрос не отправляется: клиента уже опрашивали за последние {days} дн."
        ),
        "purchase_replayed": (
            "Заказ {order_id} уже зарегистрирован как покупка #{purchase_id}; "
            "ничего нового не создано."
        ),
        "purchase_conflict": (
            "Заказ {order_id} уже зарегистрирован с другими данными "
            "(покупка #{purchase_id}); ничего не изменено."
        ),
        "when_now": "сейчас",
        "when_at": "в {time} ({timezone})",
        "cmd_start": "Начать",
        "cmd_help": "Что я умею",
        "cmd_purchase": "Зарегистрировать покупку",
        "cmd_qr": "QR-код магазина",
        "staff_title": "<b>Сотрудники</b>",
        "staff_line": "• {name} (id {user}): {role}",
        "staff_hint": (
            "\nМенять могут владельцы: /staff add &lt;id&gt; admin|owner, /staff remove &lt;id&gt;"
        ),
        "staff_usage": (
            "Формат: /staff, /staff add &lt;id&gt; admin|owner или /staff remove &lt;id&gt;."
        ),
        "staff_added": "✅ {user} теперь {role}.",
        "staff_role_changed": "✅ {user} теперь {role}.",
        "staff_unchanged": "{user} уже {role}; ничего не изменилось.",
        "staff_removed": "✅ {user} больше не сотрудник.",
        "staff_not_member": "{user} не сотрудник; ничего не изменилось.",
        "staff_last_owner": (
            "{user} — последний владелец и им остаётся: сначала добавьте другого владельца."
        ),
        "owners_only": "Менять состав сотрудников могут только владельцы.",
        "role_owner": "владелец",
        "role_admin": "администратор",
        "role_none": "—",
        "cmd_staff": "Сотрудники: список, добавить, убрать",
        "paused": (
            "⏸ Опросы на паузе: новые не начнутся, напоминания не уйдут. На уже начатые "
            "опросы клиенты могут отвечать. /resume — возобновить."
        ),
        "resumed": "▶️ Опросы снова идут; накопившиеся за паузу уходят сейчас.",
        "not_paused": "Опросы не были на паузе; ничего не изменилось.",
        "cmd_pause": "Приостановить все опросы",
        "cmd_resume": "Возобновить опросы",
        "forget_confirm": (
            "Удалить ваши данные? Имя, имя пользователя, телефон, письменные ответы и "
            "контакты, которые вы рекомендовали, будут стёрты навсегда; оценки останутся в "
            "статистике без привязки к вам. Опросов больше не будет."
        ),
        "btn_forget_yes": "Да, удалить мои данные",
        "btn_forget_no": "Отмена",
        "forgotten": "Готово: ваши персональные данные удалены. Спасибо и до свидания!",
        "forget_cancelled": "Ничего не удалено.",
        "forget_nothing": "У нас нет данных о вас.",
        "cmd_forget": "Удалить мои данные",
        "btn_opt_out": "Больше не спрашивать",
        "opted_out": ("Готово: больше опросов от нас не будет. Передумаете — отправьте /start."),
        "resubscribed": (
            "Вы снова будете получать короткие опросы после покупок. /stop — отказаться."
        ),
        "purchase_opted_out": (
            "✅ Покупка #{purchase_id} зарегистрирована: {amount}, клиент {customer}.\n"
            "Опрос не отправляется: клиент отказался от опросов (/stop)."
        ),
        "language_choose": "Выберите язык:",
        "language_name": "Русский",
        "language_set": "Готово: буду писать вам по-русски.",
        "cmd_language": "Сменить язык",
        "cmd_stop": "Больше не присылать опросы",
        "cmd_stats": "Главные показатели: /stats 7d|30d|90d|all",
        "cmd_digest": "Сводка за последние 7 дней — сейчас",
        "cmd_export": "Выгрузить все ответы: /export csv|xlsx",
        # detractor alerts
        "alert_title": "🚨 <b>Критик: {score}/10</b>",
        "alert_customer": "Клиент: {customer}",
        "alert_no_name": "без имени",
        "alert_phone": "Телефон: {phone}",
        "alert_order": "Заказ: {order} · магазин: {store}",
        "alert_time": "Ответ получен: {time}",
        "alert_comment": "Что исправить: «{comment}»",
        "alert_no_comment": "Комментария пока нет: он появится здесь, когда клиент его напишет.",
        "alert_claimed": "🙋 Занимается: {who}.",
        "alert_resolved": "✅ Решено: {who}.",
        "btn_alert_claim": "Беру на себя",
        "btn_alert_resolve": "Решено",
        "alert_reminder": "⏰ Сигнал о критике всё ещё открыт спустя {hours} ч.",
        "alert_claim_ok": "Отмечено: этим занимаетесь вы.",
        "alert_resolve_ok": "Отмечено как решённое.",
        "alert_already_resolved": "Этот сигнал уже закрыт.",
        "alert_gone": "Этого сигнала больше нет.",
        # figures
        "verdict_aim": "✅ цель достигнута",
        "verdict_industry": "➖ уровень отрасли",
        "verdict_below": "⚠️ ниже отрасли",
        "dur_minutes": "{n} мин",
        "dur_hours": "{n} ч",
        "dur_days": "{n} дн.",
        "nps_none": "<b>NPS</b>: за период ответов нет.",
        "nps_line": (
            "<b>NPS {score}</b> (промоутеры {promoters} · нейтралы {passives} · "
            "критики {detractors}; ответов: {total})"
        ),
        "nps_too_few": "Слишком мало ответов, чтобы судить.",
        "nps_interval": "Ответов мало ({total}): истинный NPS скорее всего между {low} и {high}.",
        "nps_reference": "В отрасли 30–50, цель — выше 50: {verdict}",
        "nps_no_previous": "В прошлом периоде NPS нет — не с чем сравнить.",
        "nps_change": "Изменение: {delta} к прошлому периоду ({previous}).",
        "csat_line": "<b>CSAT {average}</b> / 5 ({share}% поставили 4–5; ответов: {total})",
        "csat_none": "<b>CSAT</b>: за период ответов нет.",
        "satisfied_line": "Довольны на 100%: {share}% ({yes} из {total})",
        "funnel_none": "За период опросы не отправлялись.",
        "funnel_line": (
            "Опросов отправлено: {sent} · ответили: {answered} ({response}) · "
            "завершили: {completed} ({completion} начатых) · с комментариями: {comments}"
        ),
        "loyalty_title": "<b>Лояльность</b>",
        "retention_none": "Удержание: год назад клиентов не было, не из чего считать.",
        "retention_line": (
            "Удержание {crr}%, отток {churn}% (клиентов год назад {start}, сейчас {end}, "
            "новых за год {new}). В отрасли 60–70%, цель — выше 70%: {verdict}"
        ),
        "purchases_none": "За период покупок нет.",
        "purchases_line": ("Покупок: {purchases} у {customers} клиентов (новых из них: {new})"),
        "average_check": "Средний чек: {amount}",
        "year_title": "<i>За последние 365 дней</i>",
        "repeat_line": "Доля повторных покупателей {repeat}% · частота покупок {frequency}",
        "per_year_line": (
            "Покупок на клиента в год: {value}. В отрасли 3,5, цель — от 4: {verdict}"
        ),
        "clv_line": (
            "CLV: {clv} (средний чек × покупок в год × срок жизни клиента {years} г., "
            "оценён как 1 / годовой отток, не более 10)"
        ),
        "stores_title": "<b>По магазинам</b>",
        "store_line": "{store}: покупок {purchases} · NPS {nps} (ответов: {total})",
        "stores_more": "… и ещё магазинов: {count} (все — в /export).",
        "fixes_title": "<b>Что исправить</b> (последние)",
        "upsells_title": "<b>Что клиенты купили бы ещё</b> (последние)",
        "comment_line": "• {when} {who}: «{text}»",
        "referrals_title": "<b>Рекомендаций получено: {count}</b>",
        "referral_line": "• от {who}: {about}",
        "alerts_open": "🚨 <b>Открытых сигналов о критиках: {count}</b>",
        "alert_open_line": "• {score}/10 от {who}, {when}",
        "alerts_all_closed": "Все сигналы о критиках за период закрыты.",
        "alerts_response": (
            "Медианное время до первой реакции: {median} (отвечено на {answered} из {raised} "
            "сигналов)."
        ),
        "digest_title": "📊 <b>Сводка за неделю</b> · {span}",
        "digest_daily_title": "📊 <b>Сводка за день</b> · {span}",
        "digest_now_title": "📊 <b>Сводка за последние 7 дней</b> · {span}",
        "digest_quiet": "Тихий период: ни покупок, ни опросов, ни ответов.",
        "digest_chart": "NPS и CSAT по неделям, последние 12 недель",
        "stats_title": "📈 <b>Показатели: {label}</b> · {span}",
        "stats_label_7d": "последние 7 дней",
        "stats_label_30d": "последние 30 дней",
        "stats_label_90d": "последние 90 дней",
        "stats_label_all": "всё время",
        "stats_usage": "Формат: /stats [7d|30d|90d|all] (по умолчанию 30d).",
        "stats_empty": "Пока ничего нет: ни покупок, ни ответов.",
        "export_usage": "Формат: /export [csv|xlsx] (по умолчанию xlsx).",
        "export_caption": (
            "Выгрузка: опросов {surveys}, покупок {purchases}, рекомендаций {referrals}. "
            "Время — UTC."
        ),
        "export_working": "Готовлю выгрузку…",
    },
}


def t(language: str, key: str, **values: Any) -> str:
    """The text `key` in `language` with HTML-escaped values filled in."""
    template = TEXTS.get(language, TEXTS[DEFAULT_LANGUAGE])[key]
    if not values:
        return template
    return template.format(**{name: html.escape(str(value)) for name, value in values.items()})


def t_html(language: str, key: str, **markup: str) -> str:
    """Like `t`, for values that are already safe HTML (other texts, built by `t`)."""
    return TEXTS.get(language, TEXTS[DEFAULT_LANGUAGE])[key].format(**markup)
