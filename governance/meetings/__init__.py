"""Member meetings: notice, agenda, attendance, proxies, the live quorum and resolutions."""
