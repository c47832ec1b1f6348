"""`events-mock proxy`: forward one API's live traffic to a real service and check each exchange.

The request is held to the spec before it is sent on, the answer after it comes back, with the
contract suite's own machinery (its loaded schema, Schemathesis' response checks and the API's
`CheckSet`): what the proxy reports is exactly what `events-mock verify` would have reported.
"""

# Nothing imported here: `events-mock serve` builds the CLI parser, which names the proxy's
# options (`events_mock.proxy.command`), and must not load Schemathesis to do so. The app is
# `events_mock.proxy.app.ProxyApp`.
