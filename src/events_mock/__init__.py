"""events-mock: a stateful mock server and contract-test suite for event-tracking HTTP APIs."""

__version__ = "0.1.0"
