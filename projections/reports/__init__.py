"""Reports and reporters: every notice with its status and outcome, and each reporter's record."""
