"""The Barchart Event Tracking API: events, asynchronous report exports, service info.

Domain modules, plain Python testable without HTTP: `store` (the events), `jobs` (report
jobs and their download links), `export` (the CSV a link serves), `catalog` (event types),
and `service`, the `BarchartService` holding them all. `state` is the control plane's
export/import over the service; `errors` the API's error shapes; `handlers` the thin HTTP
layer over the service; `wiring.create_api` the `MockApi` the server mounts.
"""
