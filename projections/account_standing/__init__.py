"""Account standing: every account seen, and its strikes with when they count."""
