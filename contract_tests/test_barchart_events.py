from events_mock.contract.suite.barchart_events import *  # noqa: F403
