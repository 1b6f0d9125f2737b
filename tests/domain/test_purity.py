import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_OUTSIDE_STDLIB = {"eventsourcing.domain"}
DOING_IO = {"sqlite3", "socket", "urllib", "http", "os", "io", "subprocess", "threading", "asyncio", "time"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_domain_imports_only_the_stdlib_and_eventsourcing_domain() -> None:
    for path in sorted((ROOT / "domain").rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in ("domain", "__future__"):
                continue
            if name in ALLOWED_OUTSIDE_STDLIB:
                continue
            assert top in sys.stdlib_module_names, f"{path.name} imports {name}"
            assert top not in DOING_IO, f"{path.name} imports {name}, which does I/O or reads the clock"


def test_every_import_contract_is_kept_layers_and_no_circles_included() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert {"layers", "forbidden", "acyclic_siblings"} <= {c["type"] for c in contracts}
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(contracts)} kept, 0 broken" in result.stdout
