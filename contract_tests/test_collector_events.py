from events_mock.contract.suite.collector_events import *  # noqa: F403
