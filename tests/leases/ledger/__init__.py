"""Tests of leases/ledger/."""
