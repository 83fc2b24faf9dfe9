"""Elections: contests, nominations, the frozen roll, secret ballots, the count and certification."""
