"""The one page base for organization pages: context, service errors on forms, HTMX fragments.

A page view is a thin layer: it reads a form, calls a service, and on a service's `ValidationError`
puts the messages where the person sees them (`add_errors` on the form's fields, `error_text` for a
flash message). Errors placed on a field are rendered by Django's form templates with the field's
`aria-invalid` and `aria-describedby` pointing at the error list, so screen readers announce them.
The navigation (organization switcher) comes from `pom.context_processors.navigation`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from pom.tenancy import OrgRequiredMixin


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()


def error_text(exc: ValidationError, *, labelled: bool = False) -> str:
    """A service's ValidationError as one sentence for a flash message or an inline error.

    `labelled` prefixes each field's messages with the field's name ("Target: must be positive.").
    """
    if labelled and hasattr(exc, "error_dict"):
        return " ".join(
            " ".join(msgs) if field == "__all__" else f"{_label(field)}: {' '.join(msgs)}"
            for field, msgs in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def add_errors(form, exc: ValidationError, *, labelled: bool = False) -> None:
    """Put a service's ValidationError on the form's fields; a field the form does not show gets a form error.

    `labelled` prefixes each message with the field name it came from (forms whose errors are shown
    as one list, e.g. the plan item editors).
    """
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(
                field if field in form.fields else None, [f"{field}: {m}" for m in msgs] if labelled else msgs
            )
    else:
        form.add_error(None, exc.messages)


def is_fragment(request) -> bool:
    """An HTMX request that swaps part of a page (boosted navigations get the full page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.boosted)


class HtmxFragmentMixin:
    """For template views: the fragment template for HTMX requests (not boosted), else the full page."""

    fragment_template_name: str | None = None

    def get_template_names(self):
        if self.fragment_template_name and is_fragment(self.request):
            return [self.fragment_template_name]
        return super().get_template_names()


class OrgPage(OrgRequiredMixin, View):
    """Base of organization pages under /o/<org>/: organization and role resolved from the URL, role checked.

    `ctx(**extra)` is the shared context (org, role, can_write, can_admin); `show(request, context)`
    renders `fragment_template_name` for HTMX swaps and `template_name` otherwise.
    """

    template_name: str | None = None
    fragment_template_name: str | None = None
    page_context: dict = {}  # constant context of every page of a subclass (e.g. a settings tab)

    def ctx(self, **extra) -> dict:
        return {
            "org": self.org,
            "role": self.role,
            "can_write": self.can_write,
            "can_admin": self.can_admin,
            **self.page_context,
            **extra,
        }

    def fragment(self, request) -> bool:
        return is_fragment(request)

    def show(self, request, context: dict, *, status: int = 200, template: str | None = None):
        if template is None:
            use_fragment = self.fragment_template_name and is_fragment(request)
            template = self.fragment_template_name if use_fragment else self.template_name
        return render(request, template, context, status=status)


__all__ = ["HtmxFragmentMixin", "OrgPage", "add_errors", "error_text", "is_fragment"]


def invitation_closed_reason(state: str, what_next: str) -> str:
    """Why an invitation link no longer works, in the reader's language, followed by what to do."""
    reasons = {
        "accepted": _("This invitation has already been accepted."),
        "revoked": _("This invitation has been revoked."),
        "expired": _("This invitation has expired."),
    }
    return f"{reasons.get(state, _('This invitation is no longer valid.'))} {what_next}"
