"""Shared fixtures for the lossbook test suite."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def rng():
    """A seeded generator: every random test input is reproducible."""
    return np.random.default_rng(20261121)


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported once per session. Never skipped: parity tests must run in CI."""
    import tensorflow

    return tensorflow


# --- the built site in headless Chromium (tests/test_site*.py, marked `site`) --------------------
# One server and one browser for the whole session, shared by every browser-test module: Playwright's
# sync API allows one instance per thread, so a module must not start its own.


@pytest.fixture(scope="session")
def site_url():
    """URL of ``_build/html`` (or ``$LOSSBOOK_BUILD/html``) served on 127.0.0.1."""
    from headless import serve  # site/headless.py (pytest's pythonpath)
    from test_site import BUILD_FIRST, HTML

    if not HTML.is_dir():
        pytest.fail(BUILD_FIRST, pytrace=False)
    with serve(HTML) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright (site/headless.py's settings)."""
    from headless import chromium_path, launch
    from test_site import AXE_JS, ROOT

    if chromium_path() is None:
        pytest.fail("no `chromium` on PATH: `apt-get install -y chromium`", pytrace=False)
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS.relative_to(ROOT)} not found: run `npm ci`", pytrace=False)
    with launch() as chromium:
        yield chromium
