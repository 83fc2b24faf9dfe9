"""Every change to governance records goes through a function here (``<entity>_<action>``, keyword-only
arguments with the acting user and a reason, one transaction). Split by topic; import from here."""

from governance.services.board import *  # noqa: F403
from governance.services.elections import *  # noqa: F403
from governance.services.meetings import *  # noqa: F403
from governance.services.membership import *  # noqa: F403
