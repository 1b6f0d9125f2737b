"""Action confirmations: what each system owes each decision's actions, and the overdue ones."""
