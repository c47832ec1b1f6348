"""The contract suite under plain pytest.

    pytest contract_tests                                  # against the embedded mock
    pytest contract_tests --base-url https://events-stage.aws.barchart.com --auth NAME:PASSWORD
    pytest contract_tests --api event-collector --base-url URL --token T --tenant NAME
    pytest contract_tests --read-only --junit-xml=report.xml -k credentials

Options: --base-url, --api, --auth, --token, --tenant, --other-tenant, --job-timeout,
--max-examples, --seed, --read-only (the same as `events-mock verify`'s). The
tests themselves ship in the package (`events_mock.contract.suite`) so that `events-mock verify`
runs the very same ones from any install; the modules here re-export them, one each.
"""

from events_mock.contract.plugin import pytest_addoption, pytest_configure  # noqa: F401
