from events_mock.contract.suite.schema_level import *  # noqa: F403
