"""Policy families: registries of small strategy classes chosen by ``kind`` in a scenario.

A policy is a frozen pydantic model: its fields are its parameters, validated from the
scenario section (unknown keys are errors), and its methods are the decisions. It reads only
what the engine hands it, which is observed state from the twin, never the truth. A new policy
is a subclass with a ``kind`` and the family's methods, registered with ``@register``; the
engine does not change:

    >>> from sim.policies import REPLENISHMENT, ReplenishmentPolicy, register
    >>> @register
    ... class Fixed(ReplenishmentPolicy):
    ...     kind = "fixed_doc_example"
    ...     level: int
    ...     def order_quantity(self, position: int) -> int:
    ...         return 10 if position < self.level else 0
    >>> REPLENISHMENT.parse({"kind": "fixed_doc_example", "level": 5}).order_quantity(3)
    10
    >>> REPLENISHMENT.unregister("fixed_doc_example")
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict


class Policy(BaseModel):
    """Base of every policy: parameters as fields, frozen, closed to unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ClassVar[str]
    family: ClassVar[PolicyFamily]
    # parameters that make a working instance: the conformance tests and the docs use them
    example: ClassVar[dict[str, Any]] = {}
    # sensor kinds (keys of the scenario's `sensors`) without which the policy cannot work
    requires_sensors: ClassVar[tuple[str, ...]] = ()

    def get_params(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.model_dump(mode="json")}


P = TypeVar("P", bound=type[Policy])


class UnknownKind(ValueError):
    pass


class PolicyFamily:
    """The registry of one family (visibility, replenishment, routing, maintenance)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._classes: dict[str, type[Policy]] = {}

    def add(self, cls: type[Policy]) -> None:
        kind = cls.__dict__.get("kind")
        if not isinstance(kind, str) or not kind:
            raise TypeError(f"{cls.__name__} needs a class attribute kind = '<name>'")
        known = self._classes.get(kind)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise ValueError(
                f"{self.name} policy {kind!r} is already {known.__qualname__}; "
                "unregister it first or choose another kind"
            )
        self._classes[kind] = cls  # re-running a notebook cell replaces its own class

    def unregister(self, kind: str) -> None:
        self._classes.pop(kind, None)

    def kinds(self) -> list[str]:
        return list(self._classes)

    def get(self, kind: str) -> type[Policy]:
        try:
            return self._classes[kind]
        except KeyError:
            close = difflib.get_close_matches(kind, self.kinds(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UnknownKind(
                f"unknown {self.name} policy {kind!r}; expected one of {self.kinds()}{hint}"
            ) from None

    def parse(self, data: Mapping[str, Any]) -> Any:
        """The policy a scenario section describes; ``ValidationError`` on bad parameters."""
        kind = data.get("kind")
        if not isinstance(kind, str):
            raise UnknownKind(f"a 'kind' key is required here, one of {self.kinds()}")
        params = {key: value for key, value in data.items() if key != "kind"}
        return self.get(kind).model_validate(params)

    def json_schema(self) -> dict[str, Any]:
        """One of the registered policies, each with its ``kind``: for ``sim schema``."""
        options = []
        for kind, cls in self._classes.items():
            schema = cls.model_json_schema()
            schema["properties"] = {"kind": {"const": kind}, **schema.get("properties", {})}
            schema["required"] = ["kind", *schema.get("required", [])]
            options.append(schema)
        return {"oneOf": options}


def register(cls: P) -> P:
    """Class decorator: add a policy to its family's registry under its ``kind``."""
    cls.family.add(cls)
    return cls
