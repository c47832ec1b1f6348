"""The contract suite's test modules, run by `events-mock verify` or through `contract_tests/`.

The names are not `test_*.py` on purpose: pytest only runs them when given explicitly (by
`verify`) or re-exported (by `contract_tests/`), never by wandering into the package.
"""
