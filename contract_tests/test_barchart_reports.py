from events_mock.contract.suite.barchart_reports import *  # noqa: F403
