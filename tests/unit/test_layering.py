"""The package's map holds: data flows one way (no module imports one in a
layer above its own, lazy imports inside functions included) and no import
cycle exists. The layers are the ones docs/layout.md describes, top to bottom."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Set

PACKAGE = Path(__file__).resolve().parents[2] / "mt_eval"

# Top to bottom: a module may import its own layer or any below it.
LAYERS = [
    {"mt_eval", "mt_eval.__main__", "mt_eval.cli"},
    {"mt_eval.api", "mt_eval.console", "mt_eval.multirun", "mt_eval.preflight"},
    {"mt_eval.runner"},
    {"mt_eval.gate", "mt_eval.merge", "mt_eval.report_loader", "mt_eval.reports"},
    {"mt_eval.pipeline"},
    {"mt_eval.config"},
    {"mt_eval.analysis", "mt_eval.budget", "mt_eval.signatures"},
    {"mt_eval.metrics"},
    {"mt_eval.testset", "mt_eval.stats", "mt_eval.significance_floor"},
    {"mt_eval.flags", "mt_eval.inputs", "mt_eval.normalize"},
    {"mt_eval.results", "mt_eval.report_check", "mt_eval.segment_table", "mt_eval.report_seal", "mt_eval.metric_info"},
    {"mt_eval.plain", "mt_eval.errors", "mt_eval.version", "mt_eval.bounded_files"},
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Set[str]:
    """Every mt_eval module ``path`` imports, at any depth of the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("mt_eval"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("mt_eval"):
                continue
            if node.module:  # `from . import stats` imports the submodule, not the package
                found.add(target)
            for alias in node.names:  # `from . import stats` names a module
                candidate = f"{target}.{alias.name}"
                if (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py").exists() or (PACKAGE.parent / Path(*candidate.split("."))).is_dir():
                    found.add(candidate)
    return found


def graph() -> Dict[str, Set[str]]:
    return {module_name(path): imports_of(path) for path in PACKAGE.rglob("*.py")}


def layer_of(module: str) -> int:
    for depth, layer in enumerate(LAYERS):
        if any(module == entry or module.startswith(entry + ".") and entry != "mt_eval" for entry in layer):
            return depth
    raise AssertionError(f"{module} is in no layer of docs/layout.md's map; place it")


def test_every_module_has_a_place_in_the_map():
    for module in graph():
        layer_of(module)


def test_no_module_imports_one_above_its_layer():
    upward = []
    for module, targets in graph().items():
        for target in targets:
            if layer_of(target) < layer_of(module):
                upward.append(f"{module} → {target}")
    assert not upward, "imports that run back up: " + ", ".join(sorted(upward))


def test_there_is_no_import_cycle():
    edges = graph()
    state: Dict[str, int] = {}
    cycles = []

    def visit(module: str, trail: list) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if target == module or target not in edges:
                continue
            if state.get(target) == 1:
                cycles.append(" → ".join(trail[trail.index(target):] + [target]) if target in trail else f"{module} → {target}")
            elif state.get(target) is None:
                visit(target, trail + [target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    # A subpackage's __init__ re-exporting its own submodules is not a cycle
    # of concepts; a cycle through the package root, or across packages, is.
    def inside_one_subpackage(cycle: str) -> bool:
        parts = cycle.split(" → ")
        return parts[0] != "mt_eval" and all(part == parts[0] or part.startswith(parts[0] + ".") for part in parts)

    real = [c for c in cycles if not inside_one_subpackage(c)]
    assert not real, "import cycles: " + "; ".join(real)


def test_no_file_in_the_package_is_over_400_lines():
    long = {module_name(p): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long
