"""The contract suite: proof that a deployment of one of the APIs behaves as its spec says.

The suite (`events_mock.contract.suite`) is shipped inside the package so `events-mock verify`
works from any install; `contract_tests/` in the repository collects the same modules for plain
pytest. What lives where:

- the framework, one job per module: `targets` (the APIs verify can check), `options` and
  `command` (their arguments), `run` (`ContractRun`: one run, its target, schema and
  `RunContext`), `runner` (`verify`: pytest in-process), `plugin` and `fixtures` (the pytest
  side), `report`, `identity`, `clocks`; for the checks, `registry` (`CheckSet`: checks named
  by their decorators), `context` (`RunContext`, `Ledger`: what a run's checks share),
  `violations` (`fail`, `ContractViolation`) and `curl` (reproduction lines without secrets);
- per API: `checks/<api>.py` (the rules no schema can express), `flows/<api>.py` (what the flow
  tests send, and the oracles their answers are judged by), `suite/<api>_*.py` (the flow tests);
  `strategies` (Hypothesis data the generated requests need).
"""
