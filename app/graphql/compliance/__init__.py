"""What regulators receive: DSA statements of reasons (statementsOfReasons). May import `core` only."""
