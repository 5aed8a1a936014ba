"""The Workspaces tab on the partner page (see pom.hooks.partner_tabs)."""

PARTNER_TABS = [
    {"slug": "workspaces", "label": "Workspaces", "order": 40, "url_name": "workspaces-org:partner_tab"},
    {"slug": "next-actions", "label": "Next best actions", "order": 45, "url_name": "workspaces-org:partner_nba_tab"},
]
