"""Pages of governance (``/governance/``): each part's views."""

from django.urls import path

from governance.board import views as board
from governance.budgeting import views as budgeting
from governance.elections import views as elections
from governance.meetings import proxy_views
from governance.meetings import views as meetings
from governance.membership import coop_views
from governance.membership import views as membership

app_name = "governance"

urlpatterns: list = [
    # --- membership ---
    path("members/", membership.member_list, name="member_list"),
    path("members/apply/", membership.membership_apply, name="membership_apply"),
    path("memberships/<int:pk>/", membership.membership_detail, name="membership_detail"),
    path("settings/", membership.settings_edit, name="settings"),
    path("my/", membership.my_membership, name="my_membership"),
    path("my/proxies/", proxy_views.my_proxies, name="my_proxies"),
    path("coops/", coop_views.coop_list, name="coop_list"),
    path("coops/<int:pk>/", coop_views.coop_detail, name="coop_detail"),
    # --- board ---
    path("board/", board.board_roster, name="board_roster"),
    path("board/classes/new/", board.seat_class_edit, name="board_seat_class_create"),
    path("board/classes/<int:pk>/edit/", board.seat_class_edit, name="board_seat_class_edit"),
    path("board/terms/new/", board.term_start, name="board_term_start"),
    path("board/terms/<int:pk>/end/", board.term_end, name="board_term_end"),
    path("board/terms/<int:pk>/fill/", board.vacancy_fill, name="board_vacancy_fill"),
    # --- elections ---
    path("vote/", elections.vote, name="election_vote"),
    path("elections/", elections.election_list, name="election_list"),
    path("elections/new/", elections.election_create, name="election_create"),
    path("elections/<int:pk>/contests/new/", elections.contest_create, name="election_contest_create"),
    path("elections/<int:pk>/nominations/", elections.nominations, name="election_nominations"),
    path("elections/<int:pk>/", elections.results, name="election_results"),
    path("elections/<int:pk>/results.pdf", elections.results_pdf, name="election_results_pdf"),
    path("elections/<int:pk>/receipt/", elections.receipt_check, name="election_receipt"),
    path("elections/<int:pk>/manage/", elections.election_manage, name="election_manage"),
    path("elections/<int:pk>/action/", elections.election_action, name="election_action"),
    path("elections/<int:pk>/paper/", elections.paper_entry, name="election_paper"),
    path("elections/contests/<int:pk>/ballots/", elections.contest_ballots, name="election_contest_ballots"),
    path("elections/contests/<int:pk>/ballots.blt", elections.contest_blt_download, name="election_contest_blt"),
    # --- meetings ---
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/new/", meetings.meeting_edit, name="meeting_create"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/notice/", meetings.meeting_notice, name="meeting_notice"),
    path("meetings/<int:pk>/agenda/new/", meetings.agenda_item_add, name="meeting_agenda_add"),
    path("meetings/<int:pk>/resolutions/new/", meetings.resolution_propose, name="meeting_resolution_propose"),
    path("meetings/<int:pk>/action/", meetings.meeting_action, name="meeting_action"),
    path("meetings/<int:pk>/run/", meetings.meeting_run, name="meeting_run"),
    # --- participatory budgeting ---
    path("budgets/", budgeting.budget_list, name="budget_list"),
    path("budgets/new/", budgeting.budget_create, name="budget_create"),
    path("budgets/<int:pk>/", budgeting.budget_detail, name="budget_detail"),
    path("budgets/<int:pk>/action/", budgeting.budget_action, name="budget_action"),
    path("budgets/<int:pk>/result/", budgeting.budget_result, name="budget_result"),
    path("budgets/<int:pk>/result.pdf", budgeting.budget_result_pdf, name="budget_result_pdf"),
    path("budgets/<int:pk>/budget.pb", budgeting.budget_pb, name="budget_pb"),
]
