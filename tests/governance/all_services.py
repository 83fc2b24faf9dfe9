"""Every governance service and selector under one name, for the tests that set a scene across parts.

The application imports each part's own module (``governance.<part>.services``, ``….selectors``,
``governance.elections.nominations``). A test that seats a board, elects it and checks its members in at a
meeting reads better with one name for all of them; a test of one part imports that part's module.
"""

from governance.board.selectors import *  # noqa: F403
from governance.board.services import *  # noqa: F403
from governance.elections.codes import *  # noqa: F403
from governance.elections.nominations import *  # noqa: F403
from governance.elections.selectors import *  # noqa: F403
from governance.elections.services import *  # noqa: F403
from governance.meetings.selectors import *  # noqa: F403
from governance.meetings.services import *  # noqa: F403
from governance.membership.selectors import *  # noqa: F403
from governance.membership.services import *  # noqa: F403
