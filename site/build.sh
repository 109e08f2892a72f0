#!/usr/bin/env bash
# Build the site exactly as CI does, from scratch: the pinned front-end assets
# (npm ci), the HTML book with warnings as errors (nitpicky), the single-page
# book and its PDF. Then test it with
#     python -m pytest tests/test_site.py -m site
# Usage: site/build.sh [PYTHON]   (default: .venv/bin/python, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
case "$PY" in */*) JB="$(dirname "$PY")/jupyter-book" ;; *) JB=jupyter-book ;; esac

npm ci --no-audit --no-fund --loglevel=error
"$PY" site/vendor.py
"$PY" site/vendor_pyodide.py   # Pyodide + wheels (sha256 = official lock), lossbook wheel
rm -rf _build
"$JB" build . -W -n --keep-going
# Reuses the notebooks executed above (jupyter-cache in _build/).
"$JB" build . --builder singlehtml -W -n --keep-going
"$PY" site/make_pdf.py
