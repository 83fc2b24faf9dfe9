"""Pages of governance, by topic: ``membership``, ``board``, ``elections``."""
