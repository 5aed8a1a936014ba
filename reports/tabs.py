"""The Scores tab on the partner page (see pom.hooks.partner_tabs)."""

from django.utils.translation import gettext_lazy as _

PARTNER_TABS = [{"slug": "scores", "label": _("Scores"), "order": 15, "url_name": "reports:partner_tab"}]
