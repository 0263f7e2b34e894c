"""The protocol's own shapes: params checked strictly, results with exactly the API's fields."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pygls.exceptions import JsonRpcInvalidParams

from gto import api
from gto.errors import ArtifactNotFoundError, GTOError, StageNotAllowedError
from gto.queries import ArtifactInfo
from gto.server import wire

# Nested API models and their protocol shapes, beside the top-level ones of ``wire._SHAPES``.
NESTED: list[tuple[type, type]] = [
    (ArtifactInfo, wire.ArtifactRow),
    (api.ConfigValue, wire.ConfigValueResult),
    (api.DoctorProblem, wire.DoctorProblemResult),
    (api.TagChange, wire.TagChangeResult),
]


@pytest.mark.parametrize(("source", "shape"), [*wire._SHAPES.items(), *NESTED], ids=lambda t: t.__name__)
def test_each_result_shape_has_exactly_the_fields_of_its_api_value(source: Any, shape: Any) -> None:
    # A field added to (or renamed in) an API value must be added to the protocol on purpose.
    assert list(shape.model_fields) == [field.name for field in dataclasses.fields(source)]


def test_params_are_an_object_or_nothing() -> None:
    assert wire.parse_params(wire.StagesParams, None, "gto/stages") == wire.StagesParams()
    assert wire.parse_params(wire.ShowParams, {"sort": "semver"}, "gto/show").view()["sort"] == "semver"
    with pytest.raises(JsonRpcInvalidParams, match="expected an object, got a string"):
        wire.parse_params(wire.StagesParams, "all", "gto/stages")
    with pytest.raises(JsonRpcInvalidParams, match="registered_only: Input should be a valid boolean"):
        wire.parse_params(wire.ShowParams, {"registered_only": 1}, "gto/show")


def test_write_params_become_the_api_write_options() -> None:
    params = wire.parse_params(wire.AssignParams, {"name": "rf", "stage": "prod", "simple": True}, "gto/assign")
    assert params.options() == api.WriteOptions(simple=True)


@pytest.mark.parametrize("error", [GTOError("boom"), ArtifactNotFoundError("Cannot find artifact 'x'")])
def test_gto_errors_keep_their_code_kind_and_message(error: GTOError) -> None:
    mapped = wire.rpc_error(error).to_response_error()
    assert (mapped.code, mapped.message, mapped.data) == (error.code, error.message, {"kind": error.kind})


def test_error_codes_are_unique_and_stable() -> None:
    import gto.errors as errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, GTOError)]
    assert len({c.code for c in classes}) == len(classes)
    assert (StageNotAllowedError.code, StageNotAllowedError.kind) == (1205, "stage_not_allowed")


def test_values_without_a_protocol_shape_are_refused() -> None:
    assert wire.result(["a", "b"]) == ["a", "b"]
    assert wire.result(None) is None
    with pytest.raises(TypeError):
        wire.result(object())
