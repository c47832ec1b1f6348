"""Compiled JSON Schema validation, plugged into Connexion through its validator map.

Connexion validates with the pure-Python `jsonschema`, building a new validator on every
request; on Barchart's event batches (enums of 220 codes) that took 60% of a POST's time. Here
each schema is compiled once with jsonschema-rs and checked in Rust. Only when that check
fails does Connexion's own validator run, to find the error: so a valid request is accepted
fast, and an invalid one gets exactly the status and message it got before.

That is only sound if the compiled check never accepts what Connexion's would refuse. So a
schema is compiled only when every validation keyword in it is one that jsonschema-rs
implements exactly as Connexion's Draft 4 validator does (`TRUSTED`); OpenAPI's `nullable` is
rewritten into Draft 4 (`type` and `enum` admit null, as Connexion's request and response
validators do); and `pattern` and `format` are checked by the same Python functions Connexion
uses (`re.search`, Draft 4's format checker), called from Rust. Any other schema, or one that
fails to compile, or an instance the compiled check cannot read (a lone surrogate, a NaN), is
left to Connexion's validator alone. `tests/test_validation.py` compares verdicts.

Connexion words a schema error with Python's `repr` (`None is not of type 'string'`), which
reads wrong to a client that sent JSON. Its message is kept as the problem's detail, as a
`SchemaMessage` that also carries the error, so the app's error handler can answer the same
thing in JSON terms (`null is not of type "string"`, `schema_message_in_json`).
"""

from __future__ import annotations

import json
import re
import reprlib
import threading
from collections.abc import Callable, Collection
from typing import Any

import jsonschema_rs
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem, UnsupportedMediaTypeProblem
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from connexion.lifecycle import ConnexionRequest
from connexion.utils import is_null, is_nullable
from connexion.validators import (
    VALIDATOR_MAP,
    JSONRequestBodyValidator,
    JSONResponseBodyValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, ValidationError
from jsonschema.exceptions import best_match
from starlette.types import Scope

from events_mock import strict_json

FORMAT_CHECKER = Draft4Validator.FORMAT_CHECKER
PATTERN_KEYWORD = "x-events-mock-pattern"
FORMAT_KEYWORD = "x-events-mock-format"

TRUSTED = frozenset(
    {
        "type",
        "enum",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "pattern",
        "format",
    }
)
"""Draft 4 keywords whose jsonschema-rs semantics equal python-jsonschema's. Any other keyword
the reference validator acts on (its `VALIDATORS`: `$ref`, `multipleOf`, `uniqueItems`,
`writeOnly` for responses...) makes the schema untrusted; keywords it ignores are dropped."""


class Untrusted(Exception):
    """The schema uses something the compiled check does not reproduce exactly."""


def draft4_for_rust(schema: Any, *, nullable: bool, untrusted: frozenset[str]) -> dict:
    """A copy of `schema` for jsonschema-rs that accepts exactly what Connexion accepts.

    Raises `Untrusted` where that cannot be promised.
    """

    def convert(schema: Any, path: tuple[int, ...]) -> dict:
        if id(schema) in path:  # Connexion inlines a recursive $ref as a cycle
            raise Untrusted("recursive schema")
        if not isinstance(schema, dict):
            raise Untrusted(f"not a Draft 4 schema: {schema!r}")
        path = (*path, id(schema))
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in untrusted:
                raise Untrusted(key)
            if key not in TRUSTED:
                continue  # ignored by Draft 4 too: description, example, nullable, x-...
            if key == "properties":
                if not isinstance(value, dict):
                    raise Untrusted(key)
                out[key] = {name: convert(sub, path) for name, sub in value.items()}
            elif key in ("items", "not"):
                out[key] = convert(value, path)
            elif key == "additionalProperties":
                out[key] = value if isinstance(value, bool) else convert(value, path)
            elif key in ("allOf", "anyOf", "oneOf"):
                if not isinstance(value, list) or not value:
                    raise Untrusted(key)
                out[key] = [convert(sub, path) for sub in value]
            elif key == "pattern":
                if not isinstance(value, str):
                    raise Untrusted(key)
                re.compile(value)
                out[PATTERN_KEYWORD] = value
            elif key == "format":
                if value in FORMAT_CHECKER.checkers:  # the reference ignores unknown formats
                    out[FORMAT_KEYWORD] = value
            elif key == "required":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise Untrusted(key)
                out[key] = value
            elif key in ("exclusiveMinimum", "exclusiveMaximum"):
                if not isinstance(value, bool):
                    raise Untrusted(key)
                out[key] = value
            else:
                out[key] = value
        if nullable and (schema.get("x-nullable") is True or schema.get("nullable")):
            # Connexion lets null through the `type` and `enum` of a nullable schema.
            if "type" in out:
                types = out["type"] if isinstance(out["type"], list) else [out["type"]]
                out["type"] = types if "null" in types else [*types, "null"]
            if "enum" in out and isinstance(out["enum"], list) and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        return out

    return convert(schema, ())


class PythonPattern:
    """`pattern` as Connexion checks it: `re.search`, so Python's regex dialect."""

    def __init__(self, parent_schema: dict, value: str, schema_path: Any) -> None:
        self.search = re.compile(value).search

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and self.search(instance) is None:
            raise ValueError("does not match the pattern")


class PythonFormat:
    """`format` as Connexion checks it: Draft 4's format checker, for the formats it knows."""

    def __init__(self, parent_schema: dict, value: str, schema_path: Any) -> None:
        self.format = value

    def validate(self, instance: Any) -> None:
        if not FORMAT_CHECKER.conforms(instance, self.format):
            raise ValueError(f"is not a {self.format!r}")


KEYWORDS: dict[str, Any] = {PATTERN_KEYWORD: PythonPattern, FORMAT_KEYWORD: PythonFormat}


def compile_check(
    schema: dict, *, nullable: bool, untrusted: frozenset[str]
) -> Callable[[Any], bool] | None:
    """A fast `instance -> valid?`, or None where only Connexion's validator can judge."""
    try:
        rust = draft4_for_rust(schema, nullable=nullable, untrusted=untrusted)
        validator = jsonschema_rs.Draft4Validator(rust, keywords=KEYWORDS, validate_formats=False)
    except Exception:  # noqa: BLE001 - anything odd: let Connexion's validator judge alone
        return None
    is_valid = validator.is_valid

    def check(instance: Any) -> bool:
        try:
            return is_valid(instance)
        except Exception:  # noqa: BLE001 - e.g. a lone surrogate: Connexion decides
            return False

    return check


class CheckCache:
    """Compiled checks by schema object: Connexion hands the same schema dict every time."""

    LIMIT = 10_000
    """Never grow without bound, should some caller build a new schema per request."""

    def __init__(self, reference: Any, *, nullable: bool) -> None:
        self.nullable = nullable
        self.untrusted = frozenset(reference.VALIDATORS) - TRUSTED
        self._lock = threading.Lock()
        self._checks: dict[int, tuple[dict, Callable[[Any], bool] | None]] = {}

    def accepts(self, schema: dict, instance: Any) -> bool:
        """True only if the instance is certainly valid; False means "ask Connexion"."""
        entry = self._checks.get(id(schema))
        if entry is None or entry[0] is not schema:
            check = compile_check(schema, nullable=self.nullable, untrusted=self.untrusted)
            entry = (schema, check)  # keeping the schema alive keeps its id unique
            with self._lock:
                if len(self._checks) >= self.LIMIT:
                    self._checks.clear()
                self._checks[id(schema)] = entry
        return entry[1] is not None and entry[1](instance)


REQUEST_CHECKS = CheckCache(Draft4RequestValidator, nullable=True)
PARAMETER_CHECKS = CheckCache(Draft4Validator, nullable=False)
"""Connexion checks parameters with plain Draft 4: `nullable` only at the top, handled there."""
RESPONSE_CHECKS = CheckCache(Draft4ResponseValidator, nullable=True)
"""Its reference refuses any value under `writeOnly`, so such schemas stay with it."""


VALUE_LIMIT = 120
"""Characters of an offending value quoted in a message (a body may be 10 MiB)."""
LISTED_ENUM_LIMIT = 12
"""Enums up to this size are listed in full; a longer one is named and pointed to."""


class SchemaMessage(str):
    """Connexion's wording of a schema error (the string itself, unchanged), with the error.

    Kept as the problem's detail, so everything reading Connexion's message reads the same
    thing; `in_json_terms` is what a client is answered.
    """

    error: ValidationError
    where: str

    def __new__(cls, text: str, error: ValidationError, where: str) -> SchemaMessage:
        message = super().__new__(cls, text)
        message.error = error
        message.where = where
        return message

    def in_json_terms(self, spec_url: str | None = None) -> str:
        return schema_message_in_json(self.error, spec_url) + self.where


def json_text(value: Any, limit: int = VALUE_LIMIT) -> str:
    """`value` as JSON (`null`, `true`, `"x"`), cut to `limit` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):  # not JSON, or nested too deep
        text = reprlib.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def schema_message_in_json(error: ValidationError, spec_url: str | None = None) -> str:
    """What jsonschema says of `error`, with JSON values where it shows Python reprs.

    An enum of more than `LISTED_ENUM_LIMIT` values (Barchart's 220 event types) is not
    listed: the message names the schema (its `title`) and where the spec is served.
    """
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    value = json_text(instance)
    if keyword == "type":
        types = expected if isinstance(expected, list) else [expected]
        return f"{value} is not of type {' or '.join(json_text(t) for t in types)}"
    if keyword == "enum" and isinstance(expected, list):
        if len(expected) <= LISTED_ENUM_LIMIT:
            return f"{value} is not one of {json_text(expected, limit=1000)}"
        title = error.schema.get("title") if isinstance(error.schema, dict) else None
        named = f" of {title}" if isinstance(title, str) else ""
        listed = f", listed in {spec_url}" if spec_url else ""
        return f"{value} is not one of the {len(expected)} accepted values{named}{listed}"
    if keyword == "required" and isinstance(instance, dict):
        missing = [name for name in expected if name not in instance]
        if missing:
            return f"{json_text(missing[0])} is a required property"
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extras = [json_text(name) for name in instance if name not in known]
        if extras:
            verb = "was" if len(extras) == 1 else "were"
            return f"Additional properties are not allowed ({', '.join(extras)} {verb} unexpected)"
    message = error.message
    shown = repr(instance)
    if message.startswith(shown):
        message = value + message[len(shown) :]
    elif len(message) > 2 * VALUE_LIMIT:
        message = message[:VALUE_LIMIT] + "…"
    shown_expected = repr(expected)
    if isinstance(expected, str) and message.endswith(shown_expected):
        message = message[: -len(shown_expected)] + json_text(expected, limit=1000)
    return message


def error_path(error: ValidationError, *, start: str | None = None) -> str:
    """Where the error is, as Connexion says it: ` - 'events.0.type'` (nothing at the top)."""
    items = [*([start] if start else []), *(str(item) for item in error.path)]
    return f" - '{'.'.join(items)}'" if items else ""


PARSED_BODY = "events_mock.parsed_body"
"""Scope extension: the body as parsed here, for the handler (`operations.PreparedOperation`)
to reuse rather than parse it again: the document the schema was checked against."""


class CompiledJSONRequestBodyValidator(JSONRequestBodyValidator):
    async def _parse(self, stream: Any, scope: Any) -> Any:
        """Connexion's parse (`json.loads` of the body in its charset), made strict.

        `strict_json` refuses what would make the mock fail later (nesting, NaN, huge
        integers, lone surrogates, repeated keys) with 400; a charset Python has no codec for
        is 415, as for any media type the operation does not accept.
        """
        raw = b"".join([message async for message in stream])
        try:
            text = raw.decode(self._encoding)
        except LookupError:
            raise UnsupportedMediaTypeProblem(
                detail=f"The charset {self._encoding[:40]!r} is not supported; send UTF-8."
            ) from None
        except UnicodeDecodeError as error:
            charset = "UTF-8" if error.encoding == "utf-8" else self._encoding[:40]
            raise BadRequestProblem(
                detail=f"The request body is not valid {charset}: {error.reason}"
            ) from None
        if not text:
            return None
        try:
            body = strict_json.loads(text)
        except strict_json.NotAcceptedJSON as error:
            raise BadRequestProblem(
                detail=f"The request body is not accepted JSON: {error}"
            ) from None
        scope.setdefault("extensions", {})[PARSED_BODY] = body
        return body

    def _validate(self, body: Any) -> dict | None:
        if body is not None and REQUEST_CHECKS.accepts(self._schema, body):
            return None
        try:
            return super()._validate(body)
        except BadRequestProblem as problem:
            error = problem.__context__  # Connexion raises it while handling the ValidationError
            if isinstance(error, ValidationError) and isinstance(problem.detail, str):
                problem.detail = SchemaMessage(problem.detail, error, error_path(error))
            raise


class CompiledJSONResponseBodyValidator(JSONResponseBodyValidator):
    def _validate(self, body: Any) -> None:
        if body is not None and RESPONSE_CHECKS.accepts(self._schema, body):
            return
        super()._validate(body)


class CompiledParameterValidator(ParameterValidator):
    def validate(self, scope: Scope) -> None:
        if self.parameters.keys() <= {"path"} and not scope.get("query_string"):
            # What validate_request does when only path parameters can be there, without
            # building a request object to read them from.
            values = self.uri_parser.resolve_path(scope.get("path_params", {}))
            for param in self.parameters.get("path", []):
                value = values.get(param["name"].replace("-", "_"))
                error = self.validate_parameter("path", value, param)
                if error:
                    raise BadRequestProblem(detail=error)
            return
        super().validate(scope)

    def validate_query_parameter_list(
        self, request: ConnexionRequest, security_params: Collection[str] | None = None
    ) -> set[str]:
        if not request.scope.get("query_string"):  # no query: nothing undeclared in it
            return set()
        return super().validate_query_parameter_list(request, security_params)

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        checkable = value is not None and not (is_nullable(param) and is_null(value))
        schema = param.get("schema", param)
        if checkable and PARAMETER_CHECKS.accepts(schema, value):
            return None
        message = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if message and checkable:
            # Connexion words `best_match` of plain Draft 4's errors: the same error, kept.
            checker = Draft4Validator(schema, format_checker=FORMAT_CHECKER)
            error = best_match(checker.iter_errors(value))
            if error is not None:
                return SchemaMessage(message, error, error_path(error, start=param.get("name")))
        return message


def validator_map() -> dict[str, Any]:
    """Connexion's validator map with the compiled validators in place of the JSON ones."""
    body = MediaTypeDict(VALIDATOR_MAP["body"])
    body["*/*json"] = CompiledJSONRequestBodyValidator
    response = MediaTypeDict(VALIDATOR_MAP["response"])
    response["*/*json"] = CompiledJSONResponseBodyValidator
    return {"parameter": CompiledParameterValidator, "body": body, "response": response}
