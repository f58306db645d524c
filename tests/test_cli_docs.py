"""Every command has help a newcomer can read, and the README documents every command
(sqlite-utils' tests/test_docs.py is the model)."""
from __future__ import annotations

import re

import pytest

from conftest import ROOT, kg
from graph.cli import cli
from graph.errors import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS

COMMANDS = sorted(cli.commands)


def test_the_commands_are_the_documented_set():
    assert set(COMMANDS) >= {"build", "query", "export", "render", "stats", "validate", "eval"}


def test_top_level_help_lists_every_command():
    result = kg("--help")
    assert result.exit_code == 0
    listed = set(re.findall(r"^  (\w+)\s", result.stdout.split("Commands:", 1)[1], re.MULTILINE))
    assert listed == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_help(command):
    result = kg(command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: kg {command} ")
    assert cli.commands[command].help and len(cli.commands[command].help.split()) >= 4


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_help_text(command):
    bare = [param.opts[0] for param in cli.commands[command].params
            if param.param_type_name == "option" and not getattr(param, "help", None)]
    assert bare == []


def test_version():
    result = kg("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"kg, version \d+\.\d+\.\d+\S*\n", result.stdout)


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_documents_the_command(command):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"\bkg {command}\b", readme), f"README.md does not show `kg {command}`"


def test_readme_documents_the_exit_codes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8").lower()
    assert "exit code" in readme
    for code in (EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR):
        assert re.search(rf"(^|\W){code}(\W|$)", readme)
