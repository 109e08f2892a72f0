"""The fast last-axis reductions equal NumPy's, for short and long last axes."""

import numpy as np
import pytest

from lossbook._reductions import last_axis_max, last_axis_mean, last_axis_sum


@pytest.mark.parametrize("shape", [(7,), (5, 1), (4, 3), (2, 3, 10), (6, 33), (3, 200)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_equal_numpy(shape, dtype, rng):
    x = rng.normal(scale=100, size=shape).astype(dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(last_axis_sum(x), x.sum(axis=-1), rtol=rtol, atol=rtol * 100 * shape[-1])
    np.testing.assert_allclose(last_axis_mean(x), x.mean(axis=-1), rtol=rtol, atol=rtol * 100)
    np.testing.assert_array_equal(last_axis_max(x), x.max(axis=-1))
    np.testing.assert_array_equal(last_axis_max(x, keepdims=True), x.max(axis=-1, keepdims=True))
    assert last_axis_sum(x).dtype == dtype and last_axis_max(x).dtype == dtype
    assert np.shape(last_axis_sum(x)) == shape[:-1]


def test_max_does_not_write_into_its_input(rng):
    x = rng.normal(size=(4, 5))
    x.flags.writeable = False
    last_axis_max(x)


def test_sum_of_strided_and_readonly_views(rng):
    # last_axis_sum is np.einsum("...j->...") (not a BLAS product, whose OpenBLAS thread
    # spins after each call): it must accept any view, as the matmul did.
    x = rng.normal(size=(6, 8)).astype(np.float32)
    x.flags.writeable = False
    for view in (x.T, x[:, ::2], x[::3]):
        np.testing.assert_allclose(last_axis_sum(view), view.sum(axis=-1), rtol=1e-5, atol=1e-5)
        assert last_axis_sum(view).dtype == np.float32
