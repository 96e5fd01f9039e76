"""`make run` writes development keys into .env only where they are missing or empty."""

from pathlib import Path

from config.devenv import fill_env_file


def test_a_missing_env_file_gets_both_keys(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"

    assert fill_env_file(env_file) == ["FIELD_ENCRYPTION_KEYS", "SECRET_KEY"]
    text = env_file.read_text()
    assert "\nFIELD_ENCRYPTION_KEYS=" in text
    assert "\nSECRET_KEY=" in text


def test_existing_values_are_kept(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=mine\nFIELD_ENCRYPTION_KEYS=also-mine\n")

    assert fill_env_file(env_file) == []
    assert env_file.read_text() == "SECRET_KEY=mine\nFIELD_ENCRYPTION_KEYS=also-mine\n"


def test_commented_and_empty_lines_do_not_count_as_set(tmp_path: Path) -> None:
    # A copy of .env.example has both names on commented lines; an empty assignment wins over a later one.
    env_file = tmp_path / ".env"
    env_file.write_text("# FIELD_ENCRYPTION_KEYS=\nSECRET_KEY=\nDEBUG=true\n")

    assert fill_env_file(env_file) == ["FIELD_ENCRYPTION_KEYS", "SECRET_KEY"]
    lines = env_file.read_text().splitlines()
    assert lines[0] == "# FIELD_ENCRYPTION_KEYS="
    assert lines[1].startswith("SECRET_KEY=")
    assert len(lines[1]) > len("SECRET_KEY=") + 40
    assert lines[2] == "DEBUG=true"
    assert [line for line in lines if line.startswith("FIELD_ENCRYPTION_KEYS=")][0] != "FIELD_ENCRYPTION_KEYS="


def test_env_example_names_every_variable_config_reads() -> None:
    import re

    from config.env import BASE_DIR

    read = set()
    for path in (BASE_DIR / "config").rglob("*.py"):
        read |= set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z0-9_]+)\"", path.read_text()))
    example = (BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", example, flags=re.MULTILINE))
    readme = (BASE_DIR / "README.md").read_text()

    assert read, "found no env() reads: the pattern is wrong"
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
    assert {name for name in read if f"`{name}`" not in readme} == set(), "missing from README's table"
