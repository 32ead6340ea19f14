"""Validate a :class:`SourceDocument` against a model and turn every failure into a located problem."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from tabletop.errors import Problem, SpecError
from tabletop.spec.fields import shown
from tabletop.spec.references import Finding
from tabletop.spec.suggest import did_you_mean, one_of
from tabletop.spec.yaml_source import DocPath, SourceDocument, load_yaml

M = TypeVar("M", bound=BaseModel)

_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _members(annotation: Any) -> list[Any]:
    """Unwrap Annotated and Optional; return the remaining union members (or the type itself)."""
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        return [m for arg in get_args(annotation) if arg is not type(None) for m in _members(arg)]
    return [annotation]


def _model_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation one loc element further in (None when the path leaves the models)."""
    members = _members(annotation)
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) > 1:
        for model in models:
            tag = model.model_fields.get("kind")
            if tag is not None and get_args(tag.annotation) == (part,):
                return model
    for member in members:
        origin = get_origin(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            for name, info in member.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
        elif origin in (list, tuple) and isinstance(part, int):
            return get_args(member)[0]
        elif origin is dict and isinstance(part, str):
            return get_args(member)[1]
    return None


def allowed_keys(root: type[BaseModel], loc: Iterable[str | int]) -> list[str]:
    """The keys a mapping at ``loc`` may hold, by walking the model types along the path."""
    annotation: Any = root
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            # A defaulted ``kind`` is a union tag that the file expresses another way.
            tag = member.model_fields.get("kind")
            hidden = {"kind"} if tag is not None and not tag.is_required() else set()
            return [k for k in _model_keys(member) if k not in hidden]
    return []


def _message(error: Any, root: type[BaseModel], document: SourceDocument) -> tuple[DocPath, str, bool]:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    at_key = loc[-1:] == ("[key]",)
    path: DocPath = loc[:-1] if at_key else loc
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = allowed_keys(root, loc[:-1])
        hint = did_you_mean(key, allowed) or (f"; allowed keys: {one_of(allowed)}" if allowed else "")
        return path, f"unknown key '{key}'{hint}", True
    if kind == "missing":
        return path[:-1], f"missing required key '{loc[-1]}'", False
    if path in document.plain_words:
        word = document.plain_words[path]
        meaning = document.lookup(path)
        if isinstance(meaning, bool):
            text = f'YAML reads unquoted {word} as {str(meaning).lower()}; quote it if you mean the word: "{word}"'
        else:
            text = f'unquoted {word} is read by YAML as the number {meaning}; quote it if you mean the text: "{word}"'
        return path, text, at_key
    if kind in _TYPE_NAMES:
        return path, f"expected {_TYPE_NAMES[kind]}, got {shown(value)}", at_key
    if kind == "literal_error":
        expected = [e.strip().strip("'") for e in error["ctx"]["expected"].replace(" or ", ", ").split(",")]
        return path, f"'{value}' is not one of {', '.join(expected)}{did_you_mean(str(value), expected)}", at_key
    if kind in ("value_error", "assertion_error"):
        return path, str(error["ctx"]["error"]), at_key
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return path, f"{error['msg'].replace('Input should be', 'must be')}, got {shown(value)}", at_key
    if kind == "string_pattern_mismatch":
        return path, f"'{value}' is not a valid id; use letters, digits, '-', '_' and '.'", at_key
    if kind in ("too_short", "too_long"):
        return path, error["msg"].replace("List should", "must").replace("Value should", "must"), at_key
    return path, error["msg"], at_key


def _above_broken(path: DocPath, document: SourceDocument) -> bool:
    """A model-level rule failing only because a value below it could not be read."""
    return any(broken[: len(path)] == path for broken in document.broken)


def explain_errors(document: SourceDocument, model: type[M]) -> tuple[M | None, list[tuple[DocPath, str, bool]]]:
    """Validate plain data against ``model``; the model, or every error as (path, message, at the key).

    Messages are worded as ``tabletop validate`` prints them. Errors below values the reader
    already rejected are dropped.
    """
    try:
        return model.model_validate(document.data), []
    except ValidationError as exc:
        errors: list[tuple[DocPath, str, bool]] = []
        for error in exc.errors(include_url=False):
            path, message, at_key = _message(error, model, document)
            if document.is_broken(path) or (error["type"] == "value_error" and _above_broken(path, document)):
                continue
            if (path, message, at_key) not in errors:
                errors.append((path, message, at_key))
        return None, errors


def validate_document(document: SourceDocument, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Validate plain data against ``model``; return the model or every problem, located.

    Duplicates are dropped (a value merged into several places with ``<<`` fails in each); a
    reader's soft problem gives way to a validation error at the same path, which knows what
    was expected.
    """
    value, errors = explain_errors(document, model)
    if value is not None:
        return value, []
    problems: list[Problem] = []
    for path, message, at_key in errors:
        problem = document.problem(path, message, key=at_key)
        if problem not in problems:
            problems.append(problem)
    explained = {path for path, _, _ in errors}
    return None, problems + [p for path, p in document.soft.items() if path not in explained]


def dotted_path(data: Any, path: DocPath) -> str:
    """A path as dotted text, naming list items by their id where they have one (``escalation_chains.ops.repeat``)."""
    parts: list[str] = []
    node = data
    for part in path:
        if isinstance(node, list) and isinstance(part, int) and -len(node) <= part < len(node):
            node = node[part]
            identifier = node.get("id") if isinstance(node, dict) else None
            parts.append(identifier if isinstance(identifier, str) else str(part))
        else:
            node = node.get(part) if isinstance(node, dict) else None
            parts.append(str(part))
    return ".".join(parts)


#: Checks run on a validated model, returning findings located in the same file.
Checker = Callable[[M], list[Finding]]


def read_model(
    path: Path, model: type[M], checker: Checker[M], *, display: str | None = None
) -> tuple[M | None, SourceDocument | None, list[Problem]]:
    """Load, validate and cross-check one file; the model is None unless it had no problems."""
    document, read_problems = load_yaml(path, display)
    if document is None or not isinstance(document.data, dict):
        return None, document, read_problems
    # Soft problems are re-added by validation unless a sharper error explains the same value.
    read_problems = [p for p in read_problems if p not in document.soft.values()]
    expected = model.model_fields["kind"].annotation
    found = document.data.get("kind")
    wanted = get_args(expected)[0] if get_args(expected) else None
    if isinstance(found, str) and found in KINDS and found != wanted:
        problem = document.problem(("kind",), f"this is a {found} file; a {wanted} file is needed here")
        return None, document, [problem]
    value, problems = validate_document(document, model)
    if value is None:
        return None, document, read_problems + problems
    problems = read_problems + list(document.soft.values())
    problems += [document.problem(f.path, f.message, key=f.at_key) for f in checker(value)]
    return (None if problems else value), document, problems


#: The kinds of file Tabletop reads, named by their top-level ``kind`` key.
KINDS = ("scenario", "policy")


def require(result: tuple[M | None, SourceDocument | None, list[Problem]]) -> M:
    """The model from :func:`read_model`, or a :class:`SpecError` carrying its problems."""
    value, _, problems = result
    if value is None:
        raise SpecError(problems)
    return value
