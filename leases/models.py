"""Ground leases, households, fees and resale (arrives with the ground-lease issue)."""
