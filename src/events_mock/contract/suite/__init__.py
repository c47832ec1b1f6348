"""The contract suite's test modules, run by `events-mock verify` or through `contract_tests/`.

The names are not `test_*.py` on purpose: pytest only runs them when given explicitly (by
`verify`) or collected by `contract_tests/conftest.py`, never by wandering into the package.
No module reads the run when imported (see `events_mock.contract.fixtures`).
"""
