"""Settings helpers: paths recorded in reports."""

from pathlib import Path

from ledger.settings import PROJECT_ROOT, shown_path


def test_a_path_inside_the_project_is_shown_relative_to_it() -> None:
    assert shown_path(PROJECT_ROOT / "simulator" / "worlds" / "default.toml") == Path(
        "simulator/worlds/default.toml"
    )


def test_a_path_outside_the_project_is_shown_as_given(tmp_path: Path) -> None:
    outside = tmp_path / "world.toml"
    assert shown_path(outside) == outside
