"""No Docker engine runs here: check what can be checked in the Dockerfile itself."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuations joined."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


def _all(keyword: str) -> list[str]:
    return [arguments for name, arguments in _instructions() if name == keyword]


def test_the_file_parses_into_known_instructions() -> None:
    known = {"FROM", "ENV", "WORKDIR", "COPY", "RUN", "USER", "VOLUME", "CMD", "ARG", "LABEL"}
    instructions = _instructions()
    assert instructions[0][0] == "FROM"
    assert {name for name, _ in instructions} <= known


def test_base_is_a_slim_python_311_or_newer() -> None:
    [base] = _all("FROM")
    found = re.fullmatch(r"python:3\.(\d+)-slim(-\w+)?", base)
    assert found and int(found.group(1)) >= 11, base


def test_every_copy_source_exists() -> None:
    for arguments in _all("COPY"):
        *sources, _target = shlex.split(arguments)
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"


def test_catalogs_are_compiled_in_the_build() -> None:
    assert any("pybabel compile" in run and "-d locales" in run for run in _all("RUN"))


def test_it_runs_as_a_non_root_user_with_the_database_on_a_volume() -> None:
    names = [name for name, _ in _instructions()]
    users = _all("USER")
    assert users and users[-1] not in {"root", "0"}
    assert names.index("USER") < names.index("CMD")
    database = next(
        value
        for env in _all("ENV")
        for key, value in re.findall(r"(\w+)=(\S+)", env)
        if key == "ESCALE_DATABASE"
    )
    volumes = [v for arguments in _all("VOLUME") for v in json.loads(arguments)]
    assert any(database.startswith(volume.rstrip("/") + "/") for volume in volumes)


def test_the_command_runs_the_bot_module() -> None:
    [command] = _all("CMD")
    assert json.loads(command) == ["python", "-m", "bot"]
