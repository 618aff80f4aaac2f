"""schemathesis against the in-process app (WSGI), from the app's own `/api/v1/openapi.json`, as the demo user on a
seeded index: every operation with valid inputs (positive) and, where it has inputs, with invalid ones (negative).

Every answer must be no server error, a status the document lists for that operation, of the documented content
type and matching the documented schema (success shapes and the error shape); invalid input must be refused
with a 4xx; and no answer shows a word of another person's workspace. Generation is derandomized (the same cases
every run) and bounded so the whole module takes under a minute on the 2-core machine (about 20 s idle).
"""
from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_schema_conformance, status_code_conformance)

from server.config import Config
from server.crypto import generate_key
from server.faces.openapi import document
from server.store import users
from tests.support.workspace_seed import Seeded, seed

DEMO = "sam@atlas.com"
STRANGER = "Zanzibar"
OPERATIONS = [(method.upper(), path) for path, item in document()["paths"].items() for method in item]
# Operations with parameters or a body: the ones negative generation can make invalid input for.
WITH_INPUTS = [(m, p) for m, p in OPERATIONS
               if {"parameters", "requestBody"} & set(document()["paths"][p][m.lower()])]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {"positive": 40, "negative": 30}


@pytest.fixture(scope="module")
def fuzz_app(config: Config) -> Any:
    from server.app import create_app

    app = create_app(config.with_(token_encryption_key=generate_key()))
    yield app
    app.extensions["wo"].close()


@pytest.fixture(scope="module")
def seeded(fuzz_app: Flask) -> dict[str, Seeded]:
    """The demo user's workspace, and a stranger's whose every text says "Zanzibar"."""
    pool = fuzz_app.extensions["wo"].pool
    with pool.connection() as conn:
        sam = users.upsert(conn, DEMO)
        other = users.upsert(conn, "olga@other.example")
    return {"own": seed(pool, sam.id, DEMO, "Quokka"), "stranger": seed(pool, other.id, "olga@other.example",
                                                                         STRANGER)}


@pytest.fixture(scope="module")
def api_schema(fuzz_app: Flask, seeded: dict[str, Seeded]) -> Any:
    """The document as the app serves it."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)


def never_shows_the_strangers_data(ctx: Any, response: Any, case: Any) -> None:
    """Whatever the demo user sends, no answer carries a word of the other person's workspace."""
    assert STRANGER.lower() not in response.text.lower(), f"the stranger's data in {case.path}: {response.text[:300]}"


def _strategy(operation: Any, generation: GenerationMode, seeded: dict[str, Seeded]) -> Any:
    """Generated cases; where the path names an item, also the caller's own item and the stranger's."""
    strategies = [operation.as_strategy(generation)]
    if generation is GenerationMode.POSITIVE:
        for name, attr in (("action_id", "action_id"), ("conversation_id", "conversation_id")):
            if "{" + name + "}" in operation.path:
                strategies += [operation.as_strategy(generation, path_parameters={name: str(getattr(s, attr))})
                               for s in seeded.values()]
    return st.one_of(strategies)


def _run(api_schema: Any, seeded: dict[str, Seeded], method: str, path: str, mode: str) -> None:
    operation = api_schema[path][method]
    generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    checks = CHECKS + [never_shows_the_strangers_data] + ([negative_data_rejection] if mode == "negative" else [])

    @given(case=_strategy(operation, generation, seeded))
    @settings(max_examples=EXAMPLES[mode], deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])
    def exchange(case: Any) -> None:
        case.call_and_validate(checks=checks)

    exchange()


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_valid_input_gets_documented_answers_and_never_a_500(api_schema, seeded, method, path) -> None:
    _run(api_schema, seeded, method, path, "positive")


@pytest.mark.parametrize("method, path", WITH_INPUTS, ids=[f"{m} {p}" for m, p in WITH_INPUTS])
def test_invalid_input_is_refused_with_a_documented_4xx(api_schema, seeded, method, path) -> None:
    _run(api_schema, seeded, method, path, "negative")


def test_every_api_route_is_in_the_document(fuzz_app: Flask) -> None:
    """The fuzzing covers the whole REST API only if the document names every /api/v1 route."""
    documented = {(m, p) for m, p in OPERATIONS}
    served = {(method, rule.rule.replace("<", "{").replace(">", "}"))
              for rule in fuzz_app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    served.discard(("GET", "/api/v1/openapi.json"))
    assert served <= documented, f"routes missing from the OpenAPI document: {sorted(served - documented)}"
