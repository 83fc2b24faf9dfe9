from rest_framework.routers import DefaultRouter

from governance.board.api import views as board
from governance.budgeting.api import views as budgeting
from governance.elections.api import views as elections
from governance.meetings.api import views as meetings
from governance.membership.api import coop
from governance.membership.api import views as membership

router = DefaultRouter()
# --- membership ---
router.register("memberships", membership.MembershipViewSet, basename="membership")
router.register("members", membership.MembersViewSet, basename="member")
router.register("governance-settings", membership.GovernanceSettingsViewSet, basename="governance-settings")
router.register("my-membership", membership.MyMembershipViewSet, basename="my-membership")
router.register("coop-resident-lists", coop.CoopResidentListViewSet, basename="coop-resident-list")
# --- board ---
router.register(r"seat-classes", board.BoardSeatClassViewSet, basename="seat-class")
router.register(r"board-terms", board.BoardTermViewSet, basename="board-term")
router.register(r"board", board.BoardViewSet, basename="board")
# --- elections ---
router.register("elections", elections.ElectionViewSet, basename="election")
router.register("election-contests", elections.ContestViewSet, basename="election-contest")
router.register("election-candidates", elections.CandidateViewSet, basename="election-candidate")
router.register("petition-signatures", elections.PetitionSignatureViewSet, basename="petition-signature")
router.register("ballots", elections.BallotCastViewSet, basename="ballot")
# --- meetings ---
router.register("meetings", meetings.MeetingViewSet, basename="meeting")
router.register("agenda-items", meetings.AgendaItemViewSet, basename="agenda-item")
router.register("meeting-attendance", meetings.MeetingAttendanceViewSet, basename="meeting-attendance")
router.register("proxies", meetings.ProxyViewSet, basename="proxy")
router.register("resolutions", meetings.ResolutionViewSet, basename="resolution")
# --- participatory budgeting ---
router.register("budgets", budgeting.BudgetViewSet, basename="budget")
router.register("budget-projects", budgeting.BudgetProjectViewSet, basename="budget-project")
router.register("budget-results", budgeting.BudgetResultViewSet, basename="budget-result")

urlpatterns = router.urls
