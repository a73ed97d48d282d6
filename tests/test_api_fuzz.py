"""Schemathesis against the whole API (every router) as an admin: no 5xx, responses match the
OpenAPI document. Property-based: each operation gets generated valid and invalid requests."""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from counterspy.api.app import create_app
from counterspy.auth import users
from counterspy.cases import opening, review
from counterspy.cases.views import Decision
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from tests.cases_helpers import detected_workspace

pytestmark = pytest.mark.slow

ADMIN_TOKEN: dict[str, str] = {}
# Examples per operation and mode; CI uses the default, a deeper local run sets the variable
# (and COUNTERSPY_FUZZ_RANDOM=1 for fresh random inputs instead of the fixed CI sequence).
EXAMPLES = int(os.environ.get("COUNTERSPY_FUZZ_EXAMPLES", "8"))
DERANDOMIZE = os.environ.get("COUNTERSPY_FUZZ_RANDOM") != "1"


@pytest.fixture(scope="module")
def api_schema(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[schemathesis.BaseSchema]:
    ws = detected_workspace(tmp_path_factory.getbasetemp() / "cases-detected")
    root: Path = tmp_path_factory.mktemp("fuzz")
    store = Store(f"sqlite:///{root / 'store.db'}")
    upgrade(store.engine)
    with store.session() as s:
        users.create_user(s, name="admin", role="admin", actor="t")
        users.create_user(s, name="ivan", role="investigator", actor="t")
        _, ADMIN_TOKEN["token"] = users.issue_token(s, name="admin", actor="t")
        # Some real cases with decisions, so that generated ids sometimes hit something.
        opening.open_cases(s, ws, actor="ivan")
        review.review_accounts(
            s, 1, decision=Decision.APPROVED, reason_code="surveillance-for-hire", actor="admin"
        )
    app = create_app(ws, store=store)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    store.dispose()


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _fuzz(operation: APIOperation, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
        derandomize=DERANDOMIZE, database=None,
    )  # fmt: skip
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_has_no_server_errors_and_keeps_its_schema(
    api_schema: schemathesis.BaseSchema, mode: GenerationMode
) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN['token']}"}
    failures: list[str] = []
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:
        try:
            _fuzz(operation, mode, headers)
        except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
            assert mode == GenerationMode.NEGATIVE
        except Exception as exc:  # collect every failing operation, then fail once
            detail = "".join(traceback.format_exception(exc))[-3000:]
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}\n{detail}")
    assert not failures, "\n\n".join(failures)
