"""Tests of leases/resale/."""
