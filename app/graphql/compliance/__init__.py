"""What regulators receive: DSA statements of reasons (statementsOfReasons) and transparency reports
(transparencyReport). May import `core` only."""
