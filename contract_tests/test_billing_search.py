from events_mock.contract.suite.billing_search import *  # noqa: F403
