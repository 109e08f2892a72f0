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


@pytest.fixture(scope="session")
def site_url():
    """The built site (tests/test_site.py's HTML) served on 127.0.0.1, an ephemeral port."""
    import functools
    import http.server
    import threading

    from test_site import BUILD_FIRST, HTML, _QuietHandler

    if not HTML.is_dir():
        pytest.fail(BUILD_FIRST, pytrace=False)
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test of the session (Playwright allows one sync instance)."""
    from pathlib import Path

    from test_site import AXE_JS, CHROMIUM, CHROMIUM_ARGS, ROOT

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `apt-get install -y chromium`", pytrace=False)
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS.relative_to(ROOT)} not found: run `npm ci`", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
