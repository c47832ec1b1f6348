"""The contract rules no schema can express, one module per API, one small named function each.

`common` holds what every API shares; `barchart`, `collector` and `billing` each register
their checks in a `CheckSet` (see `events_mock.contract.registry`), which the API's entry in
`events_mock.contract.targets` names.
"""
