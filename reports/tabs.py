"""The Scores tab on the partner page (see pom.hooks.partner_tabs)."""

from django.utils.translation import gettext_lazy as _

PARTNER_TABS = [{"slug": "scores", "label": _("Scores"), "order": 15, "url_name": "reports:partner_tab"}]
# Benchmarks (issue 10)
PARTNER_TABS.append(
    {"slug": "benchmarks", "label": _("Benchmarks"), "order": 16, "url_name": "reports:benchmarks_partner_tab"}
)
