"""Tests of leases/documents/."""
