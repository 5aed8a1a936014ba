"""Account mapping and co-sell pages, added to the attribution namespace under /o/<org>/pipeline/."""

from django.urls import path

from attribution import views_mapping as views

# Action routes served by a page view take only POST (the page's GET failed on their kwargs).
POST = ["post"]

urlpatterns = [
    path("mapping/", views.MappingListView.as_view(), name="mapping"),
    path("mapping/populations/", views.PopulationsView.as_view(), name="mapping_populations"),
    path(
        "mapping/populations/<int:pk>/",
        views.PopulationsView.as_view(http_method_names=POST),
        name="mapping_population",
    ),
    path("mapping/accounts/", views.MappedAccountsView.as_view(), name="mapping_our_accounts"),
    path("mapping/accounts/<int:account_pk>/", views.AccountDetailView.as_view(), name="mapping_account"),
    path("mapping/<int:partnership_pk>/", views.MapDetailView.as_view(), name="mapping_detail"),
    path("mapping/<int:partnership_pk>/accounts/", views.MapAccountsView.as_view(), name="mapping_cell"),
    path("mapping/<int:partnership_pk>/white-space/", views.WhiteSpaceView.as_view(), name="mapping_white_space"),
    path("mapping/<int:partnership_pk>/matches/", views.MatchesView.as_view(), name="mapping_matches"),
    path(
        "mapping/<int:partnership_pk>/matches/<int:match_pk>/<str:verdict>/",
        views.MatchesView.as_view(),
        name="mapping_match_decide",
    ),
    path("mapping/<int:partnership_pk>/<slug:action>/", views.MapActionView.as_view(), name="mapping_action"),
    path("co-sell/", views.CoSellListView.as_view(), name="cosell"),
    path("co-sell/attachment/", views.AttachmentView.as_view(), name="cosell_attachment"),
    path("co-sell/<int:pk>/withdraw/", views.CoSellListView.as_view(http_method_names=POST), name="cosell_withdraw"),
]
