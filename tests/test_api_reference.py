"""docs/API.md, the project's API reference, held to the OpenAPI schema the code generates.

The reference may not name a path, an operation, a field, a parameter or an enum value that the
schema lacks. (It may leave things out: describing new endpoints and fields is the job of whoever
adds them.) Write docs/API.md to these conventions, which this test relies on:

1. Paths. Every `/api/v1/...` path anywhere in the doc (inline code, tables, fenced examples) must
   be a path of the schema; the base path `/api/v1/` alone is allowed. A segment written
   `{anything}`, `<anything>`, `$VAR`, `${VAR}` or as a number is a placeholder and stands for any
   path parameter; a query string or fragment is ignored. Inline code of the form
   `METHOD /api/v1/...` names an operation, which the schema must have. Other inline code that is a
   path (`/healthz`, `/api/docs/`) must be served by the URLconf.

2. Tables. A Markdown table whose first header cell contains a backticked name is checked against
   the schema; tables whose first header cell has no backticks are prose and are not checked.
   - First header cell naming an operation (`` `GET /api/v1/claims/` parameter ``): a parameter
     table. Each row's first cell names (in backticks) parameters of that operation (query,
     header or path).
   - First header cell naming anything else (`` `Claim` field ``, `` `RatingEnum` value ``): the
     name of a schema component (as /api/schema/ names it under `components.schemas`). Each row's
     first cell names (in backticks, several allowed, as in `` `created_at`, `updated_at` ``)
     properties of that component, or, for an enum component, its values.
   Every row of a checked table must name at least one such thing in its first cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator

DOC = Path(__file__).resolve().parent.parent / "docs" / "API.md"
API_BASE = "/api/v1/"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

INLINE_CODE = re.compile(r"`([^`\n]+)`")
API_PATH = re.compile(r"/api/v1/[^\s`'\"()\[\]]*")
OPERATION = re.compile(rf"^({'|'.join(METHODS)})\s+(/\S*)$")
LOCAL_PATH = re.compile(r"^/[\w\-./{}<>$?=&%]*$")
PLACEHOLDER = re.compile(r"^(\{[^{}/]*\}|<[^<>/]*>|\$\{?\w+\}?|[0-9]+)$")
DELIMITER_ROW = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def bare(path: str) -> str:
    """The path without query string, fragment or trailing punctuation of the sentence around it."""
    return re.split(r"[?#]", path, maxsplit=1)[0].rstrip(".,;:")


def template(path: str) -> str:
    """The path with every placeholder segment as `{}`: `/api/v1/claims/{id}/` and
    `/api/v1/claims/2/` are both `/api/v1/claims/{}/`, as is the schema's `{claim_id}`."""
    return "/".join("{}" if PLACEHOLDER.match(segment) else segment for segment in bare(path).split("/"))


def split_row(line: str) -> list[str]:
    """A table row's cells. A `|` inside inline code or escaped as `\\|` does not split."""
    cells, current, in_code, previous = [], "", False, ""
    for char in line.strip():
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code and previous != "\\":
            cells.append(current)
            current = ""
        else:
            current += char
        previous = char
    cells.append(current)
    if line.strip().startswith("|"):
        cells = cells[1:]
    if line.strip().endswith("|") and cells:
        cells = cells[:-1]
    return [cell.strip() for cell in cells]


def backticked(text: str) -> list[str]:
    return [name.strip() for name in INLINE_CODE.findall(text)]


@dataclass
class Table:
    line: int
    subject: str  # the backticked name in the first header cell
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line number, names in first cell)


@dataclass
class Reference:
    inline: list[tuple[int, str]]  # (line number, inline code) outside fenced blocks
    api_paths: list[tuple[int, str]]  # (line number, path) anywhere
    tables: list[Table]


@cache
def reference() -> Reference:
    inline: list[tuple[int, str]] = []
    api_paths: list[tuple[int, str]] = []
    tables: list[Table] = []
    lines = DOC.read_text(encoding="utf-8").splitlines()
    fence: str | None = None
    table_lines: list[tuple[int, str]] = []

    def close_table() -> None:
        if len(table_lines) >= 2 and DELIMITER_ROW.match(table_lines[1][1]):
            header = split_row(table_lines[0][1])
            names = backticked(header[0]) if header else []
            if names:
                assert len(names) == 1, f"docs/API.md:{table_lines[0][0]}: name one schema object per table"
                table = Table(line=table_lines[0][0], subject=names[0])
                for number, row in table_lines[2:]:
                    cells = split_row(row)
                    table.rows.append((number, backticked(cells[0]) if cells else []))
                tables.append(table)
        table_lines.clear()

    for number, line in enumerate(lines, start=1):
        api_paths.extend((number, match) for match in API_PATH.findall(line))
        stripped = line.strip()
        marker = stripped[:3]
        if fence is None and marker in ("```", "~~~"):
            close_table()
            fence = marker
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        if stripped.startswith("|"):
            table_lines.append((number, line))
        else:
            close_table()
        inline.extend((number, code) for code in backticked(line))
    close_table()
    return Reference(inline=inline, api_paths=api_paths, tables=tables)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def schema_operations(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, path template) -> operation."""
    return {
        (method.upper(), template(path)): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method.upper() in METHODS
    }


def component_members(schema: dict[str, Any], name: str) -> set[str] | None:
    """A component's properties, or an enum component's values; None if there is no such component."""
    component = schema["components"]["schemas"].get(name)
    if component is None:
        return None
    if "enum" in component:
        return {str(value) for value in component["enum"] if value is not None}
    return set(component.get("properties", {}))


def operation_named(subject: str) -> tuple[str, str] | None:
    """(METHOD, path template) if a table's subject is an operation, else None."""
    match = OPERATION.match(subject)
    return (match[1], template(match[2])) if match else None


def test_the_reference_is_found_and_parsed():
    ref = reference()
    subjects = {table.subject for table in ref.tables}
    # If these go missing, the parser (or the doc's conventions) broke, and the other tests would
    # pass by checking nothing.
    assert {"Claim", "ArticleDetail", "Problem", "RatingEnum", "ClaimStatusEnum"} <= subjects, subjects
    assert any(OPERATION.match(table.subject) for table in ref.tables)
    assert len(ref.api_paths) >= 10


def test_every_api_path_the_doc_names_is_in_the_schema(schema):
    known = {template(path) for path in schema["paths"]}
    unknown = [
        f"docs/API.md:{line}: {path}"
        for line, path in reference().api_paths
        if bare(path) != API_BASE and template(path) not in known
    ]
    assert not unknown, "paths the OpenAPI schema does not have:\n" + "\n".join(
        [*unknown, f"(the schema has: {', '.join(sorted(schema['paths']))})"]
    )


def test_every_operation_the_doc_names_is_in_the_schema(schema):
    operations = schema_operations(schema)
    unknown = [
        f"docs/API.md:{line}: {code}"
        for line, code in reference().inline
        if (match := OPERATION.match(code))
        and match[2].startswith(API_BASE)
        and (match[1], template(match[2])) not in operations
    ]
    assert not unknown, "operations the OpenAPI schema does not have:\n" + "\n".join(unknown)


def test_every_other_path_the_doc_names_is_served():
    unserved = []
    for line, code in reference().inline:
        match = OPERATION.match(code)
        path = match[2] if match else code
        if path.startswith(API_BASE) or not LOCAL_PATH.match(path):
            continue
        concrete = "/".join("1" if PLACEHOLDER.match(s) else s for s in bare(path).split("/"))
        try:
            resolve(concrete)
        except Resolver404:
            unserved.append(f"docs/API.md:{line}: {code}")
    assert not unserved, "paths no URL pattern serves:\n" + "\n".join(unserved)


def test_every_name_in_a_table_is_in_the_schema(schema):
    operations = schema_operations(schema)
    problems = []
    for table in reference().tables:
        operation_key = operation_named(table.subject)
        if operation_key is not None:
            if operation_key not in operations:
                problems.append(f"docs/API.md:{table.line}: no operation {table.subject}")
                continue
            members = {p["name"] for p in operations[operation_key].get("parameters", [])}
            what = f"a parameter of {table.subject}"
        else:
            found = component_members(schema, table.subject)
            if found is None:
                problems.append(f"docs/API.md:{table.line}: no schema component `{table.subject}`")
                continue
            members = found
            what = f"in the schema component `{table.subject}`"
        for line, names in table.rows:
            if not names:
                problems.append(f"docs/API.md:{line}: a row of the `{table.subject}` table names nothing")
            problems.extend(
                f"docs/API.md:{line}: `{name}` is not {what}" for name in names if name not in members
            )
    assert not problems, "\n".join(problems)
