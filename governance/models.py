"""The models of governance, gathered for Django's app registry: each part defines its own.

``governance/<part>/models.py`` holds a part's models (membership, board, elections, meetings, budgeting); code
imports them from there. This module only makes the registry (which reads ``governance.models``) load
every part, and keeps importable the two defaults the migrations name as ``governance.models.<name>``.
"""

from governance.board.models import BoardTerm, SeatClass
from governance.budgeting.models import BudgetBallot, BudgetProject, BudgetResult, ParticipatoryBudget
from governance.elections.models import (
    AccessCodeIssue,
    Ballot,
    Candidate,
    Contest,
    Election,
    Participation,
    PetitionSignature,
    RollEntry,
    SealedBallot,
)
from governance.meetings.models import AgendaItem, Attendance, Meeting, Proxy, Resolution
from governance.membership.models import (
    CoopResident,
    CoopResidentList,
    DuesPayment,
    GovernanceSettings,
    Membership,
    default_nomination_modes,
    default_resolution_thresholds,
)

__all__ = [
    "AccessCodeIssue",
    "AgendaItem",
    "Attendance",
    "Ballot",
    "BoardTerm",
    "BudgetBallot",
    "BudgetProject",
    "BudgetResult",
    "Candidate",
    "Contest",
    "CoopResident",
    "CoopResidentList",
    "DuesPayment",
    "Election",
    "GovernanceSettings",
    "Meeting",
    "Membership",
    "Participation",
    "ParticipatoryBudget",
    "PetitionSignature",
    "Proxy",
    "Resolution",
    "RollEntry",
    "SealedBallot",
    "SeatClass",
    "default_nomination_modes",
    "default_resolution_thresholds",
]
