"""Every model of the leases app, for Django's app registry, which reads ``leases.models``.

Each part of the domain keeps its models in its own package (``leases/<part>/models.py``); code
imports them from there. The app label stays ``leases``, so the migrations are unchanged.
"""

from leases.ledger.models import *  # noqa: F403
from leases.lifecycle.models import *  # noqa: F403
from leases.monitoring.models import *  # noqa: F403
from leases.resale.models import *  # noqa: F403
