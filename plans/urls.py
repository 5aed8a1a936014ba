from django.urls import path

from plans import views, views_templates

app_name = "plans"

urlpatterns = [
    path("", views.PortfolioView.as_view(), name="portfolio"),
    path("new/", views.PlanCreateView.as_view(), name="create"),
    path("<int:pk>/", views.PlanDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.PlanEditView.as_view(), name="edit"),
    path("<int:pk>/qbr/", views.QbrView.as_view(), name="qbr"),
    path("<int:pk>/add/<slug:what>/", views.PlanAddView.as_view(), name="add"),
    path("<int:pk>/<slug:action>/", views.PlanActionView.as_view(), name="action"),
    path("items/<slug:what>/<int:pk>/edit/", views.PlanItemEditView.as_view(), name="item_edit"),
    path("items/<slug:what>/<int:pk>/delete/", views.PlanItemDeleteView.as_view(), name="item_delete"),
    path("key-results/<int:pk>/check-in/", views.CheckInView.as_view(), name="checkin"),
    path("activities/<int:pk>/update/", views.ActivityUpdateView.as_view(), name="activity_update"),
    path("templates/", views_templates.TemplateListView.as_view(), name="templates"),
    path("templates/new/", views_templates.TemplateCreateView.as_view(), name="template_create"),
    path("templates/<int:pk>/edit/", views_templates.TemplateEditView.as_view(), name="template_edit"),
    path("templates/<int:pk>/clone/", views_templates.TemplateCloneView.as_view(), name="template_clone"),
    path("templates/<int:pk>/apply/", views_templates.TemplateApplyView.as_view(), name="template_apply"),
    path("partnerships/<int:partnership_pk>/meetings/", views.MeetingsView.as_view(), name="meetings"),
    path("partner-tab/<int:partner_pk>/", views.PartnerTabView.as_view(), name="partner_tab"),
]
