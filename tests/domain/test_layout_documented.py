"""README's Layout section names every package of app/ and every GraphQL feature, and nothing that is gone."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _layout() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme[readme.index("## Layout"):].split("\n## ", 1)[0]


def _packages(folder: Path) -> set[str]:
    return {p.parent.name for p in folder.glob("*/__init__.py")}


def test_every_package_of_app_and_every_graphql_feature_is_in_the_layout() -> None:
    layout = _layout()
    for package in _packages(ROOT / "app"):
        assert f"app/{package}/" in layout, f"README's Layout does not name app/{package}/"
    for feature in _packages(ROOT / "app" / "graphql"):
        assert f"  {feature}/" in layout, f"README's Layout does not name app/graphql/{feature}/"


def test_every_path_the_layout_names_exists() -> None:
    for path in re.findall(r"`(app/[\w/.]+)`|^(app/[\w/]+)", _layout(), flags=re.M):
        named = next(p for p in path if p)
        assert (ROOT / named).exists(), f"README's Layout names {named}, which does not exist"
