"""The Pipeline tab on the partner page (see pom.hooks.partner_tabs)."""

PARTNER_TABS = [{"slug": "pipeline", "label": "Pipeline", "order": 30, "url_name": "attribution:partner_tab"}]
