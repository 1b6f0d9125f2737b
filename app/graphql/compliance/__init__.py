"""What regulators and people receive: DSA statements of reasons (statementsOfReasons), transparency reports
(transparencyReport), and notices to people (notices, setAccountLanguage, confirmNoticeDelivered). May import `core`
only."""
