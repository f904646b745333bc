"""No Docker engine runs here: check what can be checked in the Dockerfile and .dockerignore."""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
KNOWN = {
    "FROM", "ARG", "ENV", "LABEL", "WORKDIR", "COPY", "ADD", "RUN", "USER", "VOLUME",
    "EXPOSE", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "ENTRYPOINT", "CMD", "ONBUILD",
}  # fmt: skip


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, its arguments on one line, and the line it starts on."""

    keyword: str
    arguments: str
    line: int
    workdir: str  # the WORKDIR in force when the instruction runs


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuations joined; comments and blank lines dropped, even inside a
    continuation (as Docker does)."""
    found: list[Instruction] = []
    pending: list[str] = []
    start = 0
    workdir = "/"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        keyword, _, arguments = " ".join(filter(None, [*pending, line])).partition(" ")
        pending = []
        keyword = keyword.upper()
        if keyword == "WORKDIR":
            workdir = posixpath.normpath(posixpath.join(workdir, arguments.strip()))
        found.append(Instruction(keyword, arguments.strip(), start, workdir))
    assert not pending, "the Dockerfile ends inside a line continuation"
    return found


def _instructions() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def _all(keyword: str) -> list[Instruction]:
    return [i for i in _instructions() if i.keyword == keyword]


def _words(arguments: str) -> list[str]:
    """Exec (JSON array) or shell form, as a list of words."""
    if arguments.startswith("["):
        words = json.loads(arguments)
        assert isinstance(words, list) and all(isinstance(w, str) for w in words), arguments
        return words
    return shlex.split(arguments)


def _env() -> dict[str, str]:
    """Every ENV variable, later values winning; both `K=V ...` and legacy `K V` forms."""
    values: dict[str, str] = {}
    for env in _all("ENV"):
        words = shlex.split(env.arguments)
        if words and "=" not in words[0]:
            values[words[0]] = " ".join(words[1:])
            continue
        for word in words:
            key, _, value = word.partition("=")
            values[key] = value
    return values


@dataclass(frozen=True)
class Copy:
    sources: list[str]
    destination: str  # absolute, in the image
    index: int


def _copies() -> list[Copy]:
    copies = []
    for index, instruction in enumerate(_instructions()):
        if instruction.keyword != "COPY":
            continue
        *sources, target = [w for w in _words(instruction.arguments) if not w.startswith("--")]
        assert sources, f"line {instruction.line}: COPY without a source"
        destination = posixpath.join(instruction.workdir, target)
        copies.append(Copy(sources, destination, index))
    return copies


def _copied(source: str) -> tuple[str, int]:
    """Where a repository file or folder lands in the image, and the index of its COPY."""
    wanted = source.strip("/")
    for copy in reversed(_copies()):
        for copied in (s.strip("/") for s in copy.sources):
            if copied in {".", ""} or wanted == copied or wanted.startswith(copied + "/"):
                inside = wanted if copied in {".", ""} else wanted[len(copied) :].lstrip("/")
                into_folder = len(copy.sources) > 1 or copy.destination.endswith("/")
                base = posixpath.basename(copied) if (ROOT / copied).is_file() else ""
                target = posixpath.join(copy.destination, base if into_folder else "", inside)
                return posixpath.normpath(target), copy.index
    raise AssertionError(f"{source} is not copied into the image")


def _image_path(source: str) -> str:
    return _copied(source)[0]


# --------------------------------------------------------------------------- .dockerignore


def _ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(excludes, pattern) per line: anchored at the context root, `*` stops at `/`, `**`
    crosses folders, `!` re-includes."""
    rules = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = posixpath.normpath(line.lstrip("!").strip("/"))
        regex = ""
        for token in re.split(r"(\*\*/|\*\*|\*|\?|\[[^\]]*\])", pattern):
            if token == "**/":
                regex += "(?:.*/)?"
            elif token == "**":
                regex += ".*"
            elif token == "*":
                regex += "[^/]*"
            elif token == "?":
                regex += "[^/]"
            elif token.startswith("["):
                regex += token
            else:
                regex += re.escape(token)
        rules.append((not include, re.compile(regex)))
    return rules


def _ignored(relative: str) -> bool:
    """Whether the build context leaves `relative` (or a folder above it) out."""
    parts = relative.strip("/").split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for excludes, regex in _ignore_rules():
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            verdict = excludes
    return verdict


# --------------------------------------------------------------------------------- tests


def test_the_parser_joins_continuations_and_drops_comments() -> None:
    text = (
        "# syntax comment\nFROM python:3.12-slim\n\nWORKDIR /srv\n"
        "RUN a \\\n    # a comment inside the continuation\n    && b\nwORKDIR sub\ncmd x\n"
    )
    assert [(i.keyword, i.arguments, i.line, i.workdir) for i in parse_dockerfile(text)] == [
        ("FROM", "python:3.12-slim", 2, "/"),
        ("WORKDIR", "/srv", 4, "/srv"),
        ("RUN", "a && b", 5, "/srv"),
        ("WORKDIR", "sub", 8, "/srv/sub"),
        ("CMD", "x", 9, "/srv/sub"),
    ]


def test_the_file_parses_into_known_instructions() -> None:
    instructions = _instructions()
    assert instructions and instructions[0].keyword == "FROM"
    unknown = [i for i in instructions if i.keyword not in KNOWN]
    assert not unknown, f"unknown instructions: {unknown}"


def test_base_is_a_slim_python_311_or_newer() -> None:
    [base] = _all("FROM")
    image = base.arguments.split()[0]
    found = re.fullmatch(
        r"python:3\.(\d+)(?:\.\d+)?-slim(?:-[a-z]+)?(?:@sha256:[0-9a-f]{64})?", image
    )
    assert found and int(found.group(1)) >= 11, image


def test_every_copy_source_exists_and_reaches_the_build() -> None:
    for copy in _copies():
        for source in copy.sources:
            path = ROOT / source
            assert path.exists(), f"COPY {source}: not in the repository"
            assert not _ignored(source), f"COPY {source}: left out by .dockerignore"
            if path.is_dir():
                kept = [
                    f
                    for f in path.rglob("*")
                    if f.is_file() and not _ignored(f.relative_to(ROOT).as_posix())
                ]
                assert kept, f"COPY {source}: no file to copy (git keeps no empty folder)"


def test_the_code_and_every_catalog_reach_the_build() -> None:
    needed = [
        *ROOT.glob("bot/**/*.py"),
        *ROOT.glob("locales/*/LC_MESSAGES/messages.po"),
        *(p for p in ROOT.glob("dialogues/*") if p.is_file()),  # the preparation, as data
        ROOT / "pyproject.toml",
    ]
    assert len(needed) > 2
    for path in needed:
        relative = path.relative_to(ROOT).as_posix()
        assert not _ignored(relative), f"{relative}: left out by .dockerignore"
        _image_path(relative)


def test_secrets_and_local_state_stay_out_of_the_image() -> None:
    for relative in [".env", ".git", ".venv", "data/escale.sqlite3", "bot/__pycache__/x.pyc"]:
        assert _ignored(relative), f"{relative} would be sent to the Docker build"


def test_the_catalogs_are_compiled_in_the_build_beside_the_code() -> None:
    instructions = _instructions()
    locales = _image_path("locales")
    compiled = [
        (index, i)
        for index, i in enumerate(instructions)
        if i.keyword == "RUN" and re.search(r"\bpybabel compile\b", i.arguments)
    ]
    assert compiled, "no RUN step compiles the catalogs (the .mo files are not committed)"
    index, run = compiled[0]
    directory = re.search(r"(?:-d|--directory)[ =](\S+)", run.arguments)
    assert directory, run.arguments
    assert posixpath.normpath(posixpath.join(run.workdir, directory.group(1))) == locales, (
        f"line {run.line} compiles catalogs elsewhere than {locales}"
    )
    assert index > _copied("locales")[1], f"line {run.line} runs before the catalogs are copied"
    # bot/core/i18n.py reads <folder holding bot/>/locales: the code must run from where it was
    # copied (editable install or PYTHONPATH), not from a copy in site-packages.
    assert posixpath.dirname(_image_path("bot")) == posixpath.dirname(locales), (
        "bot/ and locales/ must sit side by side in the image"
    )
    app = posixpath.dirname(locales)
    editable = any(
        i.keyword == "RUN"
        and re.search(r"\bpip install\b[^&;|]*(?:-e|--editable)[ =]\.(?:\s|$)", i.arguments)
        and i.workdir == app
        for i in instructions
    )
    assert editable or app in _env().get("PYTHONPATH", "").split(":"), (
        f"install with `pip install -e .` in {app}, or put {app} on PYTHONPATH"
    )


def test_it_runs_as_a_non_root_user_with_the_database_on_a_volume() -> None:
    instructions = _instructions()
    keywords = [i.keyword for i in instructions]
    cmd = len(keywords) - 1 - keywords[::-1].index("CMD")
    users = [i.arguments for i in instructions[:cmd] if i.keyword == "USER"]
    assert users, "no USER before CMD: the bot would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, f"USER {users[-1]} runs the bot as root"
    assert not [i for i in instructions[cmd:] if i.keyword == "USER"], "USER after CMD"

    database = _env().get("ESCALE_DATABASE", "")
    assert database.startswith("/"), "ESCALE_DATABASE should be an absolute path in the image"
    folder = posixpath.dirname(database)
    volumes = [v.rstrip("/") for i in _all("VOLUME") for v in _words(i.arguments)]
    assert folder in volumes, f"{folder} (from ESCALE_DATABASE) is not a VOLUME: {volumes}"
    owned = any(
        i.keyword == "RUN" and re.search(rf"\bchown\b[^&;|]*\b{user}\b[^&;|]*{folder}", i.arguments)
        for i in instructions
    )
    assert owned, f"{folder} is not given to {user}, who could not write the database"


def test_the_command_runs_the_bot_module() -> None:
    commands = _all("CMD")
    assert commands and not _all("ENTRYPOINT")
    assert commands[-1].arguments.startswith("["), "exec form, so SIGTERM reaches Python"
    assert _words(commands[-1].arguments) == ["python", "-m", "bot"]


def test_the_healthcheck_asks_escale_itself() -> None:
    [check] = _all("HEALTHCHECK")
    assert "CMD" in check.arguments
    command = check.arguments[check.arguments.index("CMD") + 3 :].strip()
    assert command.startswith("["), "exec form"
    assert _words(command) == ["python", "-m", "bot", "status"]
