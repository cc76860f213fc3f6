"""The command line: one module per command in loaders/cli/, no argparse or run() in library modules,
sys.argv left alone, every command listed with its Vietnamese help."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from loaders.__main__ import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parent.parent
LOADERS = ROOT / "loaders"


def test_one_module_per_command():
    for name in COMMANDS:
        tree = ast.parse((LOADERS / "cli" / f"{name}.py").read_text(encoding="utf-8"))
        defs = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert {"add_arguments", "run"} <= defs, name


def test_library_modules_hold_no_argparse_and_no_run():
    offenders = []
    for path in LOADERS.rglob("*.py"):
        rel = path.relative_to(LOADERS)
        if rel.parts[0] == "cli" or rel.name == "__main__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                if "argparse" in names:
                    offenders.append(f"{rel}: imports argparse")
        if any(isinstance(n, ast.FunctionDef) and n.name == "run" for n in tree.body):
            offenders.append(f"{rel}: defines run()")
    assert offenders == []


def test_sys_argv_is_left_alone(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["prog", "unchanged"])
    with pytest.raises(SystemExit):
        main(["template", "--help"])
    assert sys.argv == ["prog", "unchanged"]
    assert "--campaign" in capsys.readouterr().out
    # the options of a command are known only when that command is parsed
    assert build_parser().parse_args(["migrate"]).command == "migrate"


def test_help_lists_every_command():
    r = subprocess.run([sys.executable, "-m", "loaders", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0
    for name, help_text in COMMANDS.items():
        assert name in r.stdout and help_text[:20] in r.stdout
