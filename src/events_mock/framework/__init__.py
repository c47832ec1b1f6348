"""Everything built on Connexion's, Starlette's, uvicorn's or pytest's internals, in one place.

The mock is fast because it does Connexion's per-request work once per operation, validates
with compiled schemas and encodes with orjson; it serves from a thread with uvicorn and can
drop a connection. All of that reaches past the frameworks' public API, so it lives here and
nowhere else: upgrading Connexion (pinned `>=3.3,<3.4`) or uvicorn (pinned `>=0.54,<0.55`)
means reading this list and running the tests named in it. `tests/framework/
test_private_internals.py` fails if a module outside this package touches a private member of
those frameworks.

Modules:

- `operations`: `PreparedAsyncApp`, Connexion's AsyncApp with its per-request set-up done once
  per operation (the handler's decorators and arguments, the URI parser, the request
  validator, the routing of a repeated path, the Swagger UI's router skipped).
- `validation`: `validator_map()`, the JSON validators compiled with jsonschema-rs.
- `jsonifier`: `FastJsonifier`, response bodies encoded with orjson.
- `security`: `basic_security`, `bearer_security`, `checked_by`: Connexion security handler
  classes around a plain credential check (each API's `security` module decides the answer).
- `live_server`: `LiveServer`, an app served by uvicorn on a loopback port in a thread.
- `connection`: `drop_connection`, closing a connection without an answer.
- `protocol`: `bounded_protocol`, uvicorn's httptools protocol with the head size, idle and
  head timeouts and the connection cap bounded (`ConnectionLimits`).
- `workers`: `run_workers`, `serve --workers N` on uvicorn's multi-process supervisor.
- `keywords`: `selects_any`, whether a pytest `-k` expression selects a test of given names.

Private or internal members used, where, why, and the test that guards each:

Connexion (`connexion` 3.3)

- `connexion.decorators.parameter._get_val_from_param` and `._get_body_argument`:
  `operations.PreparedOperation._call_plain`, to convert path parameters and pick the body
  argument exactly as Connexion's parameter decorator does, without running the decorator on
  every request. Guard: `tests/framework/test_operations.py` (same handler arguments and
  answers as the stock `AsyncApp`, for path, body, form, query and context arguments).
- `AsyncResponseDecorator._infer_content_type` (overridden, and called as the stock static
  method): `operations.PreparedResponseDecorator`, the operation's media types read once.
  Guard: `tests/framework/test_operations.py`.
- `RequestValidationOperation._operation` and `._validator_map` (attributes read by the
  subclass): `operations.PreparedRequestValidationOperation`, which builds the parameter
  validator and looks the body validators up once per operation, and refuses a body without
  `Content-Type` with 415 (the one answer it changes: `tests/framework/test_strict_body.py`). Guard:
  `tests/framework/test_operations.py`, `tests/framework/test_validation.py`.
- `AsyncApp._middleware_app` (replaced) with `ConnexionMiddleware.app`,
  `.middleware_stack`, `.middlewares` and `.default_middlewares`:
  `operations.PreparedAsyncApp`, to install the prepared ASGI app and middleware classes and to
  keep `add_middleware(position=...)` working with them. Guard:
  `tests/framework/test_operations.py` (middleware positions, stock vs prepared answers).
- `RoutedMiddleware.apis`, `api.operations`, the `ROUTING_CONTEXT` and `connexion_context`
  scope extensions, `RoutingMiddleware.app`, `SwaggerUIMiddleware.router`:
  `operations.OperationDispatch`, `PreparedRoutingMiddleware`, `PreparedSwaggerUIMiddleware`.
  Guard: `tests/framework/test_operations.py` (repeat requests routed like the first, same
  scope seen by middlewares, root paths), `tests/test_app.py`.
- `JSONRequestBodyValidator._parse`, `._validate`, `._schema`, `._encoding` and
  `JSONResponseBodyValidator._validate` (overridden, and the attributes read):
  `validation.CompiledJSONRequestBodyValidator`, `CompiledJSONResponseBodyValidator`, to decode
  bodies with `events_mock.strict_json` (`_parse` replaced whole: 400 or 415 where Connexion's
  `json.loads` raised through to a 500), check them with the compiled schema first and keep
  the parsed body for the handler. Guard: `tests/framework/test_strict_body.py` too.
  `ParameterValidator.validate`, `.validate_query_parameter_list`, `.validate_parameter`,
  `.parameters`, `.uri_parser` (overridden or read): `validation.CompiledParameterValidator`.
  Guard: `tests/framework/test_validation.py` (verdicts equal Connexion's own validators').
- `Jsonifier.dumps` (overridden): `jsonifier.FastJsonifier`. Guard:
  `tests/framework/test_jsonifier.py`.
- `AbstractSecurityHandler._resolve_func` (overridden) and `._accepts_kwarg` (cached):
  `security.checked_by`, so the check is a closure rather than a name looked up in the spec.
  `BasicSecurityHandler._get_verify_func` (overridden): `security.basic_security`'s direct
  Basic check. Guard: `tests/framework/test_security.py` (same answer as Connexion's Basic
  path for every header; bearer handlers resolve to their check),
  `tests/reliability/test_auth_matrix.py` (every secured operation of every API).

uvicorn (0.54)

- `uvicorn.Server(config).run(sockets=...)`, `Server.started`, `Server.should_exit`:
  `live_server.LiveServer`, to serve on a socket bound (and its port known) before start-up
  and to stop from another thread. Guard: every test that uses `LiveServer`, the kit's
  `serve_mock()` or the `events_mock_server` fixture (e.g. `tests/test_app.py`,
  `tests/control/test_control_http.py`).
- The request-response cycle behind `send` (`send.__self__`, its `transport` and
  `disconnected`): `connection.drop_connection`, to close the connection without an answer.
  Guard: `tests/control/test_control_http.py::test_a_dropped_connection_gets_no_answer`
  (a live uvicorn) and `tests/control/test_kit.py::test_faults_and_dropped_connections`
  (in-process: `ConnectionDropped`).
- `uvicorn.protocols.http.httptools_impl.HttpToolsProtocol` (subclassed: its parser callbacks,
  `data_received`, `connection_made`/`_lost`, `on_response_complete`, `_start_asgi_task`, and
  the per-connection attributes) and `RequestResponseCycle` (built to answer a refused head):
  `protocol.BoundedHttpToolsProtocol`. httptools is what uvicorn picks where it is installed
  (`uvicorn[standard]`, which Connexion's `uvicorn` extra requires). Guard:
  `tests/reliability/test_server_limits.py` (431, 408, idle close, the cap's eviction and 503,
  each on a live uvicorn).
- `uvicorn.supervisors.Multiprocess` (subclassed: `init_processes`, `run`, its `processes`
  and `should_exit`), `Process.wait_until_ready` and `.exitcode`, and the way it hands each
  spawned worker the `Config` (pickled; `WorkerConfig.__reduce__` rebuilds it there):
  `workers.Workers`, `workers.WorkerConfig`. Guard: `tests/stores/test_workers.py`,
  `tests/test_serve_store.py::test_two_workers_on_redis_announce_once_both_serve`.

Starlette (1.10)

- `CORSMiddleware` wrapping `send` as `functools.partial(self.send, send=send, ...)`:
  `connection.drop_connection` unwraps it to reach uvicorn's cycle. Guard:
  `tests/test_cors.py::test_a_dropped_connection_is_dropped_for_a_browser_too` (a live
  uvicorn; without the unwrapping uvicorn answers 500).

pytest (8)

- `_pytest.mark.expression.Expression` (`compile`, `evaluate` with a matcher): `keywords.
  selects_any`, the parser of `-k` without a session. Guard: `tests/framework/test_keywords.py`
  (its verdicts equal what pytest itself selects from the same names).

Otherwise Starlette is used through its public API only (routes, responses, types,
`run_in_threadpool`, `CORSMiddleware`).
"""

__all__: list[str] = []
