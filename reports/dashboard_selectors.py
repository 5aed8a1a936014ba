"""The dashboards' panels, read from the summary tables: portfolio, partner unit economics, program view.

Every panel is a handful of grouped queries over summary rows, whatever the size of the portfolio;
nothing here reads the source tables of deals. The pieces: `dashboard_base` (filters, panels),
`dashboard_portfolio`, `dashboard_economics` (unit economics and the program view).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from pom.models import Organization
from reports.dashboard_base import PERIODS, Filters, Panel, filter_options, filters_from  # noqa: F401
from reports.dashboard_economics import program_panels, unit_economics_panels
from reports.dashboard_portfolio import portfolio_panels

DASHBOARDS = {
    "portfolio": (gettext_lazy("Portfolio"), portfolio_panels),
    "unit-economics": (gettext_lazy("Partner unit economics"), unit_economics_panels),
    "programs": (gettext_lazy("Program view"), program_panels),
}


def dashboard_panels(*, org: Organization, key: str, filters: Filters) -> list[Panel]:
    """The panels of one dashboard (`portfolio`, `unit-economics`, `programs`)."""
    return DASHBOARDS[key][1](org=org, filters=filters)
