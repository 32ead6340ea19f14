"""``tabletop schema``: JSON Schemas of scenario and policy files, for editors."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pydantic import BaseModel

from tabletop.cli.arguments import output_folder
from tabletop.policies.model import Policy
from tabletop.scenarios.model import Scenario
from tabletop.spec import library

MODELS: dict[str, type[BaseModel]] = {"scenario": Scenario, "policy": Policy}
#: Where the package keeps the generated schemas that library files point to.
SCHEMA_DIR = library.SCHEMA_DIR


def schema_for(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of file."""
    document = MODELS[kind].model_json_schema(by_alias=True)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = f"Tabletop {kind}"
    return document


def render(kind: str) -> str:
    """The schema as stable, indented JSON text."""
    return json.dumps(schema_for(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def register(commands: Any) -> None:
    """Add the subcommand to the parser."""
    parser = commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario or policy files",
        description=(
            "Print the JSON Schema of scenario or policy files so editors can complete and check them. "
            "With --out, write scenario.schema.json and policy.schema.json into a folder. Library files "
            "point to the bundled copies with a '# yaml-language-server: $schema=…' comment."
        ),
    )
    parser.add_argument("kind", nargs="?", choices=sorted(MODELS), help="which schema (default: both)")
    parser.add_argument("--out", metavar="DIR", type=output_folder, help="write NAME.schema.json files into DIR")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print or write the schemas."""
    kinds = [args.kind] if args.kind else sorted(MODELS)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            (args.out / f"{kind}.schema.json").write_text(render(kind), encoding="utf-8")
            print(args.out / f"{kind}.schema.json")
    elif args.kind:
        print(render(args.kind), end="")
    else:
        print(json.dumps({kind: schema_for(kind) for kind in kinds}, indent=2, sort_keys=True))
    return 0
