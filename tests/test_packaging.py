"""The package as users get it: ``pip install .`` into a fresh virtualenv imports every submodule.

A review found the wheel without ``lossbook/coursework/`` (``pyproject.toml``
listed only the top package). This test builds the wheel from a copy of the
sources, checks that it holds every file of ``lossbook/``, installs it with
``--no-deps`` into a new virtualenv (created without pip, so it takes
seconds), which sees the already installed dependencies (NumPy, SciPy,
matplotlib, ...) through a ``.pth`` file, the equivalent of
``--system-site-packages`` for a virtualenv-based interpreter, then imports
every submodule from there and runs the coursework command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent

IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
import lossbook
site = sys.argv[1]
assert lossbook.__file__.startswith(site), lossbook.__file__
names = [m.name for m in pkgutil.walk_packages(lossbook.__path__, "lossbook.")]
for name in names:
    module = importlib.import_module(name)
    assert module.__file__.startswith(site), module.__file__
print(len(names), " ".join(sorted(names)))
"""


def _run(cmd, **kwargs):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300, **kwargs)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _sources():
    """Every file of the package that git tracks or that is new (no caches, no build output)."""
    return sorted(
        p.relative_to(ROOT)
        for p in (ROOT / "lossbook").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("packaging")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "lossbook", src / "lossbook", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", tmp / "dist", src]
    )
    (path,) = (tmp / "dist").glob("lossbook-*.whl")
    return path


def test_wheel_holds_every_file_of_the_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [str(p) for p in _sources() if p.as_posix() not in names]
    assert not missing, missing
    assert "lossbook/coursework/__main__.py" in names


def test_pip_install_into_a_fresh_virtualenv_imports_everything(wheel, tmp_path):
    # No PYTHONPATH: the source tree must not be what gets imported (or what pip sees as installed).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], env=env)
    python = venv / "bin" / "python"
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env=env).stdout.strip()
    # The dependencies, from the interpreter running the tests. lossbook may be installed there
    # too (CI installs it in editable mode): --ignore-installed installs the wheel regardless,
    # and the virtualenv's own site-packages comes first on its path.
    (Path(site) / "_lossbook_test_dependencies.pth").write_text(str(Path(np.__file__).parent.parent) + "\n")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--no-deps",
            "--ignore-installed",
            "--quiet",
            wheel,
        ],
        env=env,
    )
    out = _run([python, "-c", IMPORT_EVERYTHING, site], cwd=tmp_path, env=env).stdout
    count, names = out.split(" ", 1)
    expected = {".".join(p.with_suffix("").parts) for p in _sources() if p.suffix == ".py"}
    expected = {n.removesuffix(".__init__") for n in expected} - {"lossbook"}
    assert set(names.split()) >= expected, expected - set(names.split())
    assert "lossbook.coursework" in names
    cli = _run([python, "-m", "lossbook.coursework", "--help"], cwd=tmp_path, env=env)
    assert "usage" in cli.stdout.lower()
