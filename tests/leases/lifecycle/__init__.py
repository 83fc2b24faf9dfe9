"""Tests of leases/lifecycle/."""
