"""Locale formatting POM adds to Django's own (dates and numbers come from Django's l10n).

Money is shown with Babel in the active language's conventions: `12.500,00 €` in Dutch and German,
`12 500,00 €` in French, `€12,500.00` in English. Templates use `{{ amount|money:currency }}`
(pom_tags); Python code that writes text (e-mails, exports meant for people) calls `money_text`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.core import UnknownLocaleError
from babel.numbers import UnknownCurrencyError, format_currency, format_decimal
from django.conf import settings
from django.utils import translation


def babel_locale(language: str | None = None) -> str:
    """Django's active language ("de", "en-us", "pt-br") as a Babel locale name ("de", "en_US", "pt_BR")."""
    return translation.to_locale(language or translation.get_language() or "en")


def money_text(amount, currency: str = "", *, language: str | None = None) -> str:
    """`amount` in `currency` per locale (two decimals); without a currency, the number alone. An unknown
    currency code is written after the number; None is a dash."""
    if amount is None or amount == "":
        return "—"
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    code = (currency or "").strip().upper()
    try:
        locale = babel_locale(language)
        if not code:
            return format_decimal(value, locale=locale, format="#,##0.00")
        try:
            return format_currency(value, code, locale=locale)
        except UnknownCurrencyError:
            return f"{format_decimal(value, locale=locale, format='#,##0.00')} {code}"
    except (UnknownLocaleError, ValueError):
        return f"{value:,.2f} {code}".strip()


def recipient_language(recipient) -> str:
    """The language to write to `recipient` (a User or an e-mail address) in: their own choice
    (User.language), else the active language (the sender's page, or the default in a task)."""
    language = getattr(recipient, "language", None)
    if language is None and isinstance(recipient, str) and recipient:
        from pom.models import User

        language = User.objects.filter(email__iexact=recipient.strip()).values_list("language", flat=True).first()
    return language or translation.get_language() or settings.LANGUAGE_CODE


def in_language_of(recipient) -> translation.override:
    """`with in_language_of(user_or_email):` around the building of an e-mail, so its subject and text
    are in the recipient's language (docs/i18n.md)."""
    return translation.override(recipient_language(recipient))
