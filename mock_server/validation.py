"""This module contains connexion validator overrides that make 400 details name what was wrong."""

from __future__ import annotations

from typing import Any

from connexion.validators import VALIDATOR_MAP, ParameterValidator


class NamedParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Prefix connexion's one-line jsonschema message with the parameter's location and name."""

    @staticmethod
    def validate_parameter(parameter_type: str, value: Any, param: dict[str, Any], param_name: Any = None) -> Any:
        error = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if error and not str(error).startswith("Missing"):
            return f"{parameter_type} parameter '{param['name']}': {str(error).splitlines()[0]}"
        return error


VALIDATORS = {**VALIDATOR_MAP, "parameter": NamedParameterValidator}
