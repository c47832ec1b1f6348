"""Billing Care "Get Events": a searchable, seeded set of BRM events behind bearer auth.

The domain (`dataset`, `search`, `render`) is plain Python so it can be tested and reused
(by the control plane, by contract suites) without HTTP; `handlers` is the thin Connexion
layer and `create_api` the `MockApi` the server mounts.
"""
