from events_mock.contract.suite.credentials import *  # noqa: F403
