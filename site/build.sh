#!/usr/bin/env bash
# Build the site exactly as CI does, from scratch: the pinned front-end assets
# (npm ci), the HTML book with warnings as errors (nitpicky; math typeset at
# build time under Node, notebooks executed on every core), the single-page
# book and its PDF. Then test it with
#     python -m pytest tests/test_site.py -m site
# Usage: site/build.sh [PYTHON]   (default: .venv/bin/python, else python3)
#
# First it checks the system tools it needs: Node.js and npm (the math is
# typeset by MathJax under Node; npm installs the pinned MathJax) and Chromium
# (prints the PDF). What is missing it installs with apt-get when it can (as
# root, as .ci/run does); otherwise it says what to install and, for Node/npm,
# stops. Without Chromium the HTML book still builds, and the PDF step is
# skipped with a message.
#   LOSSBOOK_PDF_ONLY=1 site/build.sh   only the single page and PDF (on an existing build)
#   LOSSBOOK_NO_INSTALL=1 site/build.sh never install anything
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
case "$PY" in */*) JB="$(dirname "$PY")/jupyter-book" ;; *) JB=jupyter-book ;; esac

say() { printf 'site/build.sh: %s\n' "$*" >&2; }

# --- system tools ------------------------------------------------------------
need_node() { ! command -v node >/dev/null || ! command -v npm >/dev/null; }
need_chromium() { ! command -v chromium >/dev/null; }
missing=()
if need_node; then missing+=(nodejs npm); fi
if need_chromium; then missing+=(chromium); fi
if [ ${#missing[@]} -gt 0 ]; then
  say "missing system tools: ${missing[*]} (Debian/Ubuntu packages)"
  if [ -z "${LOSSBOOK_NO_INSTALL:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing them: apt-get install -y ${missing[*]}"
    apt-get update -qq || say "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || say "apt-get install ${missing[*]} failed"
  else
    say "install them with: sudo apt-get install -y ${missing[*]}"
  fi
fi
if need_node; then
  say "Node.js and npm are required (the math is typeset at build time by MathJax under Node):"
  say "    sudo apt-get install -y nodejs npm     (or https://nodejs.org), then run site/build.sh again"
  exit 1
fi

# --- the book ------------------------------------------------------------------
if [ -z "${LOSSBOOK_PDF_ONLY:-}" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  "$PY" site/vendor_pyodide.py   # Pyodide + wheels (sha256 = official lock), lossbook wheel
  rm -rf _build
  "$JB" build . -W -n --keep-going
fi

# --- the whole-book PDF -----------------------------------------------------------
if need_chromium; then
  say "PDF skipped: no Chromium (\`chromium\` on PATH) to print it with; install it with"
  say "    sudo apt-get install -y chromium"
  say "The HTML book is in _build/html (its sidebar's PDF link stays unresolved)."
  exit 0
fi
# Reuses the notebooks executed above (jupyter-cache in _build/).
"$JB" build . --builder singlehtml -W -n --keep-going
"$PY" site/make_pdf.py
