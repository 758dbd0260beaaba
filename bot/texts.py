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
            "time.\n\n/start — start or restart\n/help — this message"
        ),
        "help_staff": (
            "\n\n<b>Staff commands</b>\n"
            "/purchase &lt;telegram_user_id&gt; &lt;amount&gt; [order_id] — register a purchase; "
            "the customer gets a survey {delay} later\n"
            "/qr [store] — a QR code for the counter or receipts\n"
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
            "времени.\n\n/start — начать заново\n/help — это сообщение"
        ),
        "help_staff": (
            "\n\n<b>Команды для сотрудников</b>\n"
            "/purchase &lt;telegram_user_id&gt; &lt;сумма&gt; [номер_заказа] — зарегистрировать "
            "покупку; клиент получит опрос через {delay}\n"
            "/qr [магазин] — QR-код для кассы или чеков\n"
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
