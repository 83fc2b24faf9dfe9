"""The ground lease, its household and terms, its events and deadlines.

The migrations name the lease's states here (``leases.lifecycle.LeaseStatus``, written when the
lease's lifecycle was a single module), so these four stay importable from the package.
"""

from leases.lifecycle.rules import ComplianceState, FinancingState, LeaseStatus, TransferState

__all__ = ["ComplianceState", "FinancingState", "LeaseStatus", "TransferState"]
