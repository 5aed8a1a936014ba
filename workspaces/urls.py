"""Partner-facing pages under /w/ (partner home, workspace pages)."""

from django.urls import path

from workspaces import views, views_assessments, views_digests, views_programs
from workspaces import views_mapping as mapping

app_name = "workspaces"

urlpatterns = [
    path("", views.PartnerHomeView.as_view(), name="home"),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification_read"),
    path("notifications/preferences/", views_digests.DigestPreferencesView.as_view(), name="preferences"),
    path("links/<str:token>/", views_digests.ActionLinkView.as_view(), name="action_link"),
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("share/<str:token>/", views.ShareView.as_view(), name="share"),
    path("<uuid:workspace_id>/", views.WorkspaceDetailView.as_view(), name="detail"),
    path("<uuid:workspace_id>/feed/", views.FeedView.as_view(), name="feed"),
    path("<uuid:workspace_id>/comments/", views.CommentCreateView.as_view(), name="comment_create"),
    path("<uuid:workspace_id>/key-results/<int:pk>/check-in/", views.CheckinCreateView.as_view(), name="checkin"),
    path("<uuid:workspace_id>/activities/<int:pk>/", views.ActivityUpdateView.as_view(), name="activity_update"),
    path("<uuid:workspace_id>/plans/<int:pk>/approve/", views.PlanApproveView.as_view(), name="plan_approve"),
    path("<uuid:workspace_id>/members/", views.MembersView.as_view(), name="members"),
    path("<uuid:workspace_id>/members/<int:pk>/", views.MemberUpdateView.as_view(), name="member_update"),
    path(
        "<uuid:workspace_id>/invitations/<int:pk>/<str:action>/",
        views.InvitationActionView.as_view(),
        name="invitation_action",
    ),
    path("<uuid:workspace_id>/share-link/", views.ShareLinkView.as_view(), name="share_link"),
    path("<uuid:workspace_id>/files/", views.FilesView.as_view(), name="files"),
    path("<uuid:workspace_id>/files/<uuid:file_id>/", views.FileDownloadView.as_view(), name="file_download"),
    path("<uuid:workspace_id>/files/<uuid:file_id>/delete/", views.FileDeleteView.as_view(), name="file_delete"),
    path("<uuid:workspace_id>/deals/", views.DealsView.as_view(), name="deals"),
    # Assessments (workspaces.views_assessments over partners.assessment_services)
    path("<uuid:workspace_id>/assessments/", views_assessments.WorkspaceAssessmentsView.as_view(), name="assessments"),
    path(
        "<uuid:workspace_id>/assessments/<int:pk>/",
        views_assessments.WorkspaceAnswerView.as_view(),
        name="assessment_answer",
    ),
    # Digests and next best actions (workspaces.views_digests)
    path("<uuid:workspace_id>/digests/", views_digests.DigestListView.as_view(), name="digests"),
    path("<uuid:workspace_id>/digests/mute/", views_digests.DigestMuteView.as_view(), name="digest_mute"),
    path("<uuid:workspace_id>/digests/<int:pk>/", views_digests.DigestDetailView.as_view(), name="digest"),
    path(
        "<uuid:workspace_id>/digests/<int:pk>/mails/<int:mail_pk>/resend/",
        views_digests.DigestMailResendView.as_view(),
        name="digest_mail_resend",
    ),
    path(
        "<uuid:workspace_id>/suggestions/<int:pk>/<slug:action>/",
        views_digests.SuggestionActionView.as_view(),
        name="suggestion_action",
    ),
    # Programs in motion: points and tiers, earnings, fund requests, joint solutions.
    path("<uuid:workspace_id>/program/", views_programs.ProgramView.as_view(), name="program"),
    path("<uuid:workspace_id>/funds/", views_programs.FundsView.as_view(), name="funds"),
    path(
        "<uuid:workspace_id>/funds/<int:pk>/<str:action>/", views_programs.FundActionView.as_view(), name="fund_action"
    ),
    path("<uuid:workspace_id>/proofs/<uuid:proof_id>/", views_programs.ProofDownloadView.as_view(), name="proof"),
    path("<uuid:workspace_id>/solutions/", views_programs.SolutionsView.as_view(), name="solutions"),
    path(
        "<uuid:workspace_id>/solutions/steps/<int:pk>/<str:action>/",
        views_programs.StepActionView.as_view(),
        name="step_action",
    ),
    # Account mapping and co-sell (workspaces.views_mapping)
    path("<uuid:workspace_id>/mapping/", mapping.MappingView.as_view(), name="mapping"),
    path("<uuid:workspace_id>/mapping/template/", mapping.ListTemplateView.as_view(), name="mapping_template"),
    path("<uuid:workspace_id>/mapping/accounts/", mapping.AccountsView.as_view(), name="mapping_accounts"),
    path("<uuid:workspace_id>/mapping/matches/", mapping.MatchesView.as_view(), name="mapping_matches"),
    path(
        "<uuid:workspace_id>/mapping/matches/<int:match_pk>/<str:verdict>/",
        mapping.MatchesView.as_view(),
        name="mapping_match_decide",
    ),
    path("<uuid:workspace_id>/mapping/lists/<int:list_pk>/", mapping.ListView.as_view(), name="mapping_list"),
    path("<uuid:workspace_id>/mapping/jobs/<int:job_pk>/", mapping.JobView.as_view(), name="mapping_job"),
    path("<uuid:workspace_id>/mapping/<slug:action>/", mapping.MappingActionView.as_view(), name="mapping_action"),
    path("<uuid:workspace_id>/co-sell/", mapping.CoSellView.as_view(), name="cosell"),
    path("<uuid:workspace_id>/co-sell/<int:pk>/answer/", mapping.CoSellView.as_view(), name="cosell_answer"),
]
