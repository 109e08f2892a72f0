r"""Gradients of losses, elementwise, for the chapters on why the loss matters to learning.

Two families, each computed elementwise and returned in the shape (and the
floating dtype) of its input:

With respect to the **logits** :math:`z` of a sigmoid or softmax output
(chapter 5, "Why not MSE with a sigmoid output"):

- :func:`sigmoid_mse_grad`: squared error of the sigmoid output,
  :math:`(\sigma(z) - y)^2`, whose derivative is
  :math:`2(\sigma(z) - y)\,\sigma(z)(1 - \sigma(z))`;
- :func:`sigmoid_bce_grad`: binary cross-entropy,
  :math:`-[y\log\sigma(z) + (1-y)\log(1-\sigma(z))]`, whose derivative is
  :math:`\sigma(z) - y`;
- :func:`softmax_ce_grad`: categorical cross-entropy,
  :math:`-\sum_c y_c \log\operatorname{softmax}(z)_c`, whose derivative is
  :math:`\operatorname{softmax}(z) - y` for rows of :math:`y` that sum to 1.

With respect to the **prediction** :math:`\hat y` of a regression loss
(chapter 4): :func:`mse_grad`, :func:`mae_grad`, :func:`huber_grad`.

Each function differentiates the loss of **one element**, not the value a
lossbook loss returns. A loss such as :func:`lossbook.binary_crossentropy`
averages over the last axis (:math:`K` columns) and then, with
``reduction="mean"``, over the :math:`N` samples; the gradient of that number
is the elementwise gradient divided by :math:`K N`. (The exception is
:func:`softmax_ce_grad`, whose per-sample loss already is the sum over the
last axis, so its gradient of ``reduction="mean"`` is divided by :math:`N`
only.)

All functions validate their input as the losses do (same shapes, finite
numbers, targets in :math:`[0, 1]` for the sigmoid and softmax losses) and
stay finite, without overflow or warnings, for logits as large as
:math:`\pm 10^4`. The sigmoid gradients also keep full relative accuracy
where the sigmoid saturates: they never form :math:`1 - \sigma(z)` by
subtraction (it is 0 in float32 for :math:`z > 17` although the true value is
about :math:`e^{-z}`) but use :math:`\sigma(-z)` instead.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    as_float_array,
    as_pair,
    check_in_unit_interval,
    check_positive,
    check_same_shape,
)
from .activations import sigmoid, softmax

__all__ = [
    "sigmoid_mse_grad",
    "sigmoid_bce_grad",
    "softmax_ce_grad",
    "mse_grad",
    "mae_grad",
    "huber_grad",
]

_TARGET_HINT = "A sigmoid output lies in [0, 1], so its targets are labels 0/1 or soft labels in between."


def _elementwise_pair(y_true, other, other_name):
    """Validate a target and logits/predictions of one shape; scalars are allowed.

    The same checks as :func:`lossbook._validation.as_pair` (which requires at
    least one dimension): ``y_true`` takes the dtype of ``other``.
    """
    other = as_float_array(other, other_name, min_ndim=0)
    y_true = as_float_array(y_true, "y_true", dtype=other.dtype, min_ndim=0)
    check_same_shape(y_true, other, ("y_true", other_name))
    return y_true, other


def _sigmoid_residual(y_true, logits):
    r"""Return :math:`\sigma(z) - y` and :math:`\sigma'(z) = \sigma(z)\sigma(-z)` without cancellation.

    :math:`\sigma(z) - y = (1 - y)\,\sigma(z) - y\,\sigma(-z)`: for a hard label
    only one term is non-zero, so the result is accurate to the last bit even
    where :math:`\sigma(z)` rounds to 1.
    """
    p, q = sigmoid(logits), sigmoid(-logits)  # sigma(z) and 1 - sigma(z)
    one = logits.dtype.type(1)
    return (one - y_true) * p - y_true * q, p * q


def sigmoid_mse_grad(y_true, logits):
    r"""Gradient of the squared error of a sigmoid output with respect to its logit.

    The derivative of the per-element loss
    :math:`\ell(z) = (\sigma(z) - y)^2`:

    .. math::

        \frac{\partial \ell}{\partial z}
            = 2\,(\sigma(z) - y)\,\sigma'(z)
            = 2\,(\sigma(z) - y)\,\sigma(z)\,(1 - \sigma(z)).

    The factor :math:`\sigma'(z) \le 1/4` vanishes where the sigmoid
    saturates, whether the prediction is right or confidently wrong: with
    :math:`y = 1` and :math:`z = -10` the gradient is only about
    :math:`-9 \times 10^{-5}`. That is why gradient descent on this loss can
    barely move away from a confidently wrong start.

    Parameters
    ----------
    y_true : array_like, shape (...)
        Targets in [0, 1].
    logits : array_like, shape (...)
        Logits :math:`z`, same shape as ``y_true``.

    Returns
    -------
    ndarray, shape (...)
        The elementwise derivative, in the dtype of ``logits`` (float64 for
        integer input; a NumPy scalar for scalar input).

    Raises
    ------
    ValueError
        If the shapes differ, a value is not finite or ``y_true`` is outside
        [0, 1].

    See Also
    --------
    sigmoid_bce_grad : the same output trained with cross-entropy.

    Notes
    -----
    Nielsen's quadratic cost :math:`C = \tfrac12 (y - a)^2` has half this
    gradient, :math:`(a - y)\,\sigma'(z)`. Computed as
    :math:`\sigma'(z) = \sigma(z)\,\sigma(-z)`, accurate for large :math:`|z|`.

    Examples
    --------
    >>> from lossbook.gradients import sigmoid_mse_grad
    >>> print(f"{sigmoid_mse_grad(1.0, -10.0):.3e}")
    -9.079e-05
    >>> print(sigmoid_mse_grad([1.0, 0.0, 1.0], [0.0, 0.0, 1e4]))
    [-0.25  0.25  0.  ]
    """
    y_true, logits = _elementwise_pair(y_true, logits, "logits")
    check_in_unit_interval(y_true, "y_true", _TARGET_HINT)
    residual, slope = _sigmoid_residual(y_true, logits)
    return 2 * residual * slope


def sigmoid_bce_grad(y_true, logits):
    r"""Gradient of binary cross-entropy with respect to the logit of a sigmoid output.

    The derivative of the per-element loss
    :math:`\ell(z) = -[y \log\sigma(z) + (1 - y)\log(1 - \sigma(z))]`:

    .. math::

        \frac{\partial \ell}{\partial z} = \sigma(z) - y.

    The :math:`\sigma'(z)` of the chain rule cancels against the derivative
    of the logarithm, so the gradient is the error itself: close to
    :math:`\pm 1` when the prediction is confidently wrong, where
    :func:`sigmoid_mse_grad` is close to 0.

    Parameters
    ----------
    y_true : array_like, shape (...)
        Targets in [0, 1] (hard or soft labels).
    logits : array_like, shape (...)
        Logits :math:`z`, same shape as ``y_true``.

    Returns
    -------
    ndarray, shape (...)
        Values in [-1, 1], in the dtype of ``logits``.

    Raises
    ------
    ValueError
        If the shapes differ, a value is not finite or ``y_true`` is outside
        [0, 1].

    See Also
    --------
    lossbook.binary_crossentropy : the loss (``from_logits=True``).

    Notes
    -----
    Computed as :math:`(1 - y)\,\sigma(z) - y\,\sigma(-z)`, which equals
    :math:`\sigma(z) - y` and keeps full relative accuracy for hard labels
    (``sigmoid_bce_grad(1.0, 40.0)`` is :math:`-e^{-40}`, not 0).

    Examples
    --------
    >>> from lossbook.gradients import sigmoid_bce_grad
    >>> print(f"{sigmoid_bce_grad(1.0, -10.0):.5f}")
    -0.99995
    >>> print(sigmoid_bce_grad([1.0, 0.0, 0.0], [0.0, 1e4, -1e4]))
    [-0.5  1.   0. ]
    """
    y_true, logits = _elementwise_pair(y_true, logits, "logits")
    check_in_unit_interval(y_true, "y_true", _TARGET_HINT)
    residual, _ = _sigmoid_residual(y_true, logits)
    return residual


def softmax_ce_grad(y_true, logits):
    r"""Gradient of categorical cross-entropy with respect to the logits of a softmax output.

    The derivative of the per-sample loss
    :math:`\ell(z) = -\sum_c y_c \log \operatorname{softmax}(z)_c`
    (one row of ``logits``):

    .. math::

        \frac{\partial \ell}{\partial z_k}
            = \Big(\sum_c y_c\Big) \operatorname{softmax}(z)_k - y_k
            = \operatorname{softmax}(z)_k - y_k
            \quad\text{when } \textstyle\sum_c y_c = 1.

    Parameters
    ----------
    y_true : array_like, shape (..., C)
        Targets in [0, 1]: one-hot rows or soft labels.
    logits : array_like, shape (..., C)
        Logits, same shape as ``y_true``; the last axis holds the classes.

    Returns
    -------
    ndarray, shape (..., C)
        In the dtype of ``logits``. For rows of ``y_true`` that sum to 1 each
        row of the result sums to 0.

    Raises
    ------
    ValueError
        If the shapes differ, a value is not finite, ``y_true`` is outside
        [0, 1] or the arrays have no class axis.

    See Also
    --------
    lossbook.categorical_crossentropy : the loss (``from_logits=True``).

    Notes
    -----
    **Rows that do not sum to 1.** The function returns the exact derivative
    of the formula above, :math:`(\sum_c y_c)\operatorname{softmax}(z) - y`,
    for any targets in [0, 1]. It is *not* :math:`\operatorname{softmax}(z) - y`
    then, and it is not what TensorFlow back-propagates through
    ``tf.nn.softmax_cross_entropy_with_logits`` (and so through Keras'
    ``CategoricalCrossentropy(from_logits=True)``): that fused op returns
    :math:`\operatorname{softmax}(z) - y` whatever the row sums, which is the
    gradient of its loss only for proper distributions. For targets
    :math:`y = (0.3, 0.3)` and :math:`z = (0, 0)` the true gradient is
    :math:`(0, 0)` (the loss :math:`0.6 \log 2` does not depend on :math:`z`
    along that line) while TensorFlow reports :math:`(0.2, 0.2)`.
    :func:`lossbook.categorical_crossentropy` refuses such targets.

    Examples
    --------
    >>> from lossbook.gradients import softmax_ce_grad
    >>> print(softmax_ce_grad([[0.0, 1.0, 0.0]], [[0.0, 0.0, 0.0]]).round(4))
    [[ 0.3333 -0.6667  0.3333]]
    >>> print(softmax_ce_grad([0.0, 1.0], [1e4, -1e4]))
    [ 1. -1.]
    >>> print(softmax_ce_grad([0.3, 0.3], [0.0, 0.0]))
    [0. 0.]
    """
    y_true, logits = as_pair(y_true, logits, names=("y_true", "logits"))
    check_in_unit_interval(y_true, "y_true", "Targets are one-hot rows or soft labels.")
    return y_true.sum(axis=-1, keepdims=True, dtype=logits.dtype) * softmax(logits) - y_true


def mse_grad(y_true, y_pred):
    r"""Gradient of the squared error with respect to the prediction.

    The derivative of the per-element squared error
    :math:`\ell(\hat y) = (\hat y - y)^2`:

    .. math::

        \frac{\partial \ell}{\partial \hat y} = 2(\hat y - y).

    It grows with the error: a large residual pulls hard, which is why the
    squared error is sensitive to outliers.

    Parameters
    ----------
    y_true : array_like, shape (...)
        Targets.
    y_pred : array_like, shape (...)
        Predictions, same shape as ``y_true``.

    Returns
    -------
    ndarray, shape (...)
        In the dtype of ``y_pred``.

    Notes
    -----
    This is the derivative of :math:`(\hat y - y)^2` for one element, not of
    :func:`lossbook.mean_squared_error`, which averages over the last axis of
    length :math:`K` (and over the batch with ``reduction="mean"``): divide by
    those counts for the gradient of the mean.

    Examples
    --------
    >>> from lossbook.gradients import mse_grad
    >>> print(mse_grad([0.0, 0.0, 0.0], [-3.0, 0.5, 10.0]))
    [-6.  1. 20.]
    """
    y_true, y_pred = _elementwise_pair(y_true, y_pred, "y_pred")
    return 2 * (y_pred - y_true)


def mae_grad(y_true, y_pred):
    r"""(Sub)gradient of the absolute error with respect to the prediction.

    The derivative of the per-element absolute error
    :math:`\ell(\hat y) = |\hat y - y|`:

    .. math::

        \frac{\partial \ell}{\partial \hat y} = \operatorname{sign}(\hat y - y)
            \in \{-1, 0, 1\}.

    Every residual pulls with the same strength, however large: the absolute
    error is robust to outliers, and the gradient does not shrink near the
    minimum.

    Parameters
    ----------
    y_true : array_like, shape (...)
        Targets.
    y_pred : array_like, shape (...)
        Predictions, same shape as ``y_true``.

    Returns
    -------
    ndarray, shape (...)
        -1, 0 or 1, in the dtype of ``y_pred``.

    Notes
    -----
    :math:`|e|` has no derivative at :math:`e = 0`; any value in
    :math:`[-1, 1]` is a subgradient there. This function returns
    ``np.sign(0) = 0``, the same choice as TensorFlow's gradient of
    ``tf.abs``. As for :func:`mse_grad`, divide by :math:`K` (and :math:`N`) for
    the gradient of :func:`lossbook.mean_absolute_error`.

    Examples
    --------
    >>> from lossbook.gradients import mae_grad
    >>> print(mae_grad([0.0, 0.0, 0.0], [-3.0, 0.0, 10.0]))
    [-1.  0.  1.]
    """
    y_true, y_pred = _elementwise_pair(y_true, y_pred, "y_pred")
    return np.sign(y_pred - y_true)


def huber_grad(y_true, y_pred, *, delta=1.0):
    r"""Gradient of the Huber loss with respect to the prediction.

    The derivative of the per-element Huber loss of :func:`lossbook.huber`,
    :math:`\tfrac12 e^2` for :math:`|e| \le \delta` and
    :math:`\delta|e| - \tfrac12\delta^2` beyond, with :math:`e = \hat y - y`:

    .. math::

        \frac{\partial \ell_\delta}{\partial \hat y}
            = \operatorname{clip}(\hat y - y, -\delta, \delta).

    The squared error's gradient (halved) for small residuals, the absolute
    error's (times :math:`\delta`) for large ones, continuous in between.

    Parameters
    ----------
    y_true : array_like, shape (...)
        Targets.
    y_pred : array_like, shape (...)
        Predictions, same shape as ``y_true``.
    delta : float, default 1.0
        Positive threshold where the loss turns from quadratic to linear.

    Returns
    -------
    ndarray, shape (...)
        Values in :math:`[-\delta, \delta]`, in the dtype of ``y_pred``.

    Notes
    -----
    Because the Huber loss is :math:`\tfrac12 e^2` near 0, its gradient there
    is :math:`e`, half of :func:`mse_grad`. Divide by :math:`K` (and
    :math:`N`) for the gradient of :func:`lossbook.huber`.

    Examples
    --------
    >>> from lossbook.gradients import huber_grad
    >>> print(huber_grad([0.0, 0.0, 0.0], [-3.0, 0.5, 10.0]))
    [-1.   0.5  1. ]
    >>> print(huber_grad([0.0, 0.0, 0.0], [-3.0, 0.5, 10.0], delta=2.0))
    [-2.   0.5  2. ]
    """
    check_positive(delta, "delta")
    y_true, y_pred = _elementwise_pair(y_true, y_pred, "y_pred")
    d = y_pred.dtype.type(delta)
    return np.clip(y_pred - y_true, -d, d)
