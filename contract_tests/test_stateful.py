from events_mock.contract.suite.stateful import *  # noqa: F403
