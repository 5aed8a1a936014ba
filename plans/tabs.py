"""The Plans tab on the partner page (see pom.hooks.partner_tabs)."""

PARTNER_TABS = [{"slug": "plans", "label": "Plans", "order": 20, "url_name": "plans:partner_tab"}]
