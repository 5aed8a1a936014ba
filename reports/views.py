from django.views.generic import TemplateView

from pom.tenancy import OrgRequiredMixin
from reports import selectors


class ReportsIndexView(OrgRequiredMixin, TemplateView):
    """The portfolio at a glance: journey funnel, partners by status, partnerships by program."""

    template_name = "reports/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = selectors.portfolio_summary(org=self.org)
        context.update(summary=summary, figures=selectors.portfolio_figures(summary=summary))
        return context
