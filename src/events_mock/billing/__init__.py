"""Billing Care "Get Events": a searchable, seeded set of BRM events behind bearer auth.

The domain is plain Python so it can be tested and reused (by the control plane, by contract
suites) without HTTP: `generator` makes seeded BRM-like records, `dataset` holds, loads and
exports them (validated against `spec`, the OpenAPI file as data), `search` gives the query
parameters their meaning, `render` writes XML and negotiates `Accept`, and `service` is the
`BillingService` holding the data set searched now and the one the mock started with.
`state` is the control plane's export/import over the service; `errors` the API's error
shape; `security` checks bearer tokens; `handlers` is the thin Connexion layer over the
service, and `wiring.create_api` the `MockApi` the server mounts.
"""
