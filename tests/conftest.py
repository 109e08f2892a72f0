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
