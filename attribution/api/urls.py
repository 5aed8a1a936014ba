from django.urls import path
from rest_framework.routers import SimpleRouter

from attribution.api import funds, incentives, mapping_views, solutions, views

app_name = "attribution-api"

router = SimpleRouter()
router.register("accounts", views.AccountViewSet, basename="account")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("opportunity-partners", views.OpportunityPartnerViewSet, basename="opportunity-partner")
router.register("touchpoints", views.TouchpointViewSet, basename="touchpoint")
router.register("influence-types", views.InfluenceTypeViewSet, basename="influence-type")
router.register("registrations", views.RegistrationViewSet, basename="registration")
router.register("split-rules", views.SplitRuleViewSet, basename="split-rule")
router.register("materiality-scores", views.MaterialityScoreViewSet, basename="materiality-score")
router.register("credit-allocations", views.CreditAllocationViewSet, basename="credit-allocation")
router.register("attribution-runs", views.AttributionRunViewSet, basename="attribution-run")
router.register("commission-rules", incentives.CommissionRuleViewSet, basename="commission-rule")
router.register("accruals", incentives.AccrualViewSet, basename="accrual")
router.register("statements", incentives.StatementViewSet, basename="statement")
router.register("mdf-budgets", funds.MdfBudgetViewSet, basename="mdf-budget")
router.register("mdf-requests", funds.MdfRequestViewSet, basename="mdf-request")
router.register("mdf-claims", funds.MdfClaimViewSet, basename="mdf-claim")
router.register("joint-solutions", solutions.JointSolutionViewSet, basename="joint-solution")
router.register("account-maps", mapping_views.AccountMapViewSet, basename="account-map")
router.register("populations", mapping_views.PopulationViewSet, basename="population")
router.register("cosell-requests", mapping_views.CoSellRequestViewSet, basename="cosell-request")
router.register("match-decisions", mapping_views.MatchDecisionViewSet, basename="match-decision")

urlpatterns = [
    path("attribution-config/", views.AttributionConfigView.as_view(), name="config"),
    *router.urls,
]
