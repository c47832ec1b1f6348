"""The contract suite: proof that a deployment of one of the APIs behaves as its spec says.

The suite (`events_mock.contract.suite`) is shipped inside the package so `events-mock verify`
works from any install; `contract_tests/` in the repository is the thin pytest entry point to
the same modules. The checks live in `checks.py` as small named functions, shared by both.
"""
