"""The packages of `claims` depend only downward (docs/ARCHITECTURE.md): a module may import from
its own package and from the layers below it, never from a layer above."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "claims"

# Lowest first. A package may import from packages of a lower layer (and from itself).
LAYERS = [
    {"platform"},
    {"anchoring", "demo"},  # pure: string logic, and the seed column's data
    {"models"},
    {"accounts", "services", "selectors"},
    # ClaimReview in and out, and the Google-compatible search: formats the API, the commands and
    # the public pages all read and write, so it stands below them and above the domain.
    {"interop"},
    {"api", "admin", "reader"},
    # The feed delivers claims as the API shows them (api/representations.py).
    {"feed"},
    # Commands run the feed's worker.
    {"management"},
]
LAYER_OF = {package: depth for depth, packages in enumerate(LAYERS) for package in packages}


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "claims" else None


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend([node.module] + [f"{node.module}.{alias.name}" for alias in node.names])
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def test_every_package_of_claims_has_a_layer():
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - {"migrations"} <= set(LAYER_OF), packages - set(LAYER_OF)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_from_a_layer_above_its_own(path):
    own = path.relative_to(ROOT).parts[0]
    if own not in LAYER_OF:  # apps.py, __init__.py: the app itself, which wires the layers
        return
    upward = []
    for module in imports(path):
        target = package_of(module)
        if target in LAYER_OF and target != own and LAYER_OF[target] >= LAYER_OF[own]:
            upward.append(module)
    assert not upward, f"{path.relative_to(ROOT)} imports upward or sideways: {sorted(set(upward))}"
