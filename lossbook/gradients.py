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
is the elementwise gradient divided by :math:`K N`. (The exceptions are
:func:`softmax_ce_grad` and :func:`categorical_focal_grad`, whose per-sample
losses already are sums over the last axis, so their gradients of
``reduction="mean"`` are divided by :math:`N` only.)

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
    check_bool,
    check_class_weights,
    check_fraction,
    check_in_unit_interval,
    check_nonnegative,
    check_positive,
    check_same_shape,
    fail,
)
from .activations import sigmoid, softmax, stable_log_softmax

__all__ = [
    "sigmoid_mse_grad",
    "sigmoid_bce_grad",
    "softmax_ce_grad",
    "mse_grad",
    "mae_grad",
    "huber_grad",
    "binary_focal_grad",
    "categorical_focal_grad",
    "gaussian_nll_grad",
    "neg_log_derivative",
    "central_difference",
    "hinge_margin_grad",
    "squared_hinge_margin_grad",
    "exponential_margin_grad",
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


def softmax_ce_grad(y_true, logits, *, label_smoothing=0.0):
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
    label_smoothing : float in [0, 1], default 0
        Differentiate the label-smoothed loss (Keras' ``label_smoothing``):
        the targets become :math:`y(1 - s) + s/C`, so the gradient of a
        one-hot row is :math:`\operatorname{softmax}(z) - y(1 - s) - s/C`,
        which never reaches 0 for a finite logit: smoothing keeps the logits
        from growing without bound.

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
    >>> print(softmax_ce_grad([0.0, 1.0], [-50.0, 50.0], label_smoothing=0.2))  # pulls back towards 0.1 / 0.9
    [-0.1  0.1]
    """
    label_smoothing = check_fraction(label_smoothing, "label_smoothing")
    y_true, logits = as_pair(y_true, logits, names=("y_true", "logits"))
    check_in_unit_interval(y_true, "y_true", "Targets are one-hot rows or soft labels.")
    if label_smoothing:
        s = logits.dtype.type(label_smoothing)
        y_true = y_true * (1 - s) + s / logits.dtype.type(y_true.shape[-1])
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


def binary_focal_grad(y_true, logits, *, gamma=2.0, apply_class_balancing=False, alpha=0.25):
    r"""Gradient of binary focal cross-entropy with respect to the logit of a sigmoid output.

    The per-element loss is :math:`\ell(z) = w\,q^\gamma\,\mathrm{BCE}(y, \sigma(z))`
    with :math:`q = 1 - p_t = y\sigma(-z) + (1 - y)\sigma(z)` (see
    :func:`lossbook.binary_focal_crossentropy`); since
    :math:`\partial q / \partial z = (1 - 2y)\,\sigma(z)\sigma(-z)`,

    .. math::

        \frac{\partial \ell}{\partial z} = w \left[ q^\gamma (\sigma(z) - y)
            + \gamma\, q^{\gamma - 1} (1 - 2y)\,\sigma(z)\sigma(-z)\,
              \mathrm{BCE}(y, \sigma(z)) \right].

    The second term is what focusing adds: for a confidently right
    prediction both terms vanish like :math:`q^{\gamma+1}`, so easy examples
    stop pulling on the weights much sooner than with plain cross-entropy
    (:func:`sigmoid_bce_grad`, the case :math:`\gamma = 0`, :math:`w = 1`).
    Label smoothing is differentiated by passing smoothed targets.

    Parameters
    ----------
    y_true : array_like, shape (...)
        Targets in [0, 1].
    logits : array_like, shape (...)
        Logits, same shape.
    gamma : float >= 0, default 2
        Focusing parameter.
    apply_class_balancing : bool, default False
        Multiply by :math:`w = \alpha y + (1 - \alpha)(1 - y)`.
    alpha : float in [0, 1], default 0.25
        Weight of the positives when balancing.

    Returns
    -------
    ndarray, shape (...)
        In the dtype of ``logits``; finite for logits as large as
        :math:`\pm 10^4`.

    Examples
    --------
    >>> from lossbook.gradients import binary_focal_grad, sigmoid_bce_grad
    >>> print(binary_focal_grad([1.0, 1.0], [0.0, 3.0], gamma=0.0), sigmoid_bce_grad([1.0, 1.0], [0.0, 3.0]))
    [-0.5        -0.04742587] [-0.5        -0.04742587]
    >>> print(binary_focal_grad([1.0], [3.0], gamma=2.0).round(6))  # an easy example: 150x smaller
    [-0.000315]
    """
    gamma = check_nonnegative(gamma, "gamma")
    apply_class_balancing = check_bool(apply_class_balancing, "apply_class_balancing")
    alpha = check_fraction(alpha, "alpha")
    y_true, logits = _elementwise_pair(y_true, logits, "logits")
    check_in_unit_interval(y_true, "y_true", _TARGET_HINT)
    dt = logits.dtype.type
    residual, slope = _sigmoid_residual(y_true, logits)
    q = y_true * sigmoid(-logits) + (1 - y_true) * sigmoid(logits)
    bce = np.maximum(logits, 0) - logits * y_true + np.log1p(np.exp(-np.abs(logits)))
    g = dt(gamma)
    with np.errstate(divide="ignore", invalid="ignore"):
        # q^(gamma - 1) * BCE -> 0 where q = 0 (BCE vanishes like q there), also for gamma < 1.
        focus = np.where(q > 0, np.power(q, g - 1) * bce, dt(0)) if gamma else np.zeros_like(q)
    grad = np.power(q, g) * residual + g * focus * (1 - 2 * y_true) * slope
    if apply_class_balancing:
        a = dt(alpha)
        grad = (a * y_true + (1 - a) * (1 - y_true)) * grad
    return grad


def categorical_focal_grad(y_true, logits, *, alpha=0.25, gamma=2.0, label_smoothing=0.0):
    r"""Gradient of categorical focal cross-entropy with respect to the logits of a softmax output.

    The per-sample loss is
    :math:`\ell(z) = -\sum_c \alpha_c y_c\, q_c^\gamma \log p_c` with
    :math:`p = \operatorname{softmax}(z)` and :math:`q_c = 1 - p_c` (see
    :func:`lossbook.categorical_focal_crossentropy` with ``from_logits=True``).
    Since :math:`\partial \log p_c / \partial z_k = \delta_{ck} - p_k` and
    :math:`\partial q_c / \partial z_k = -p_c(\delta_{ck} - p_k)`, every term
    changes along the same direction, scaled by

    .. math::

        g_c = q_c^\gamma - \gamma\, q_c^{\gamma - 1} p_c \log p_c,
        \qquad
        \frac{\partial \ell}{\partial z_k} = p_k \sum_c \alpha_c y_c g_c - \alpha_k y_k g_k .

    With :math:`\gamma = 0` and :math:`\alpha = 1`, :math:`g = 1` and this is
    :func:`softmax_ce_grad`. For a confidently right row (:math:`q_k \to 0`
    on the true class) :math:`g_k` vanishes like :math:`q_k^\gamma`: easy
    examples stop pulling on the logits. :math:`q` is computed as
    :math:`-\operatorname{expm1}(\log p)`, accurate where :math:`p` rounds to 1.

    Parameters
    ----------
    y_true : array_like, shape (..., C)
        Targets in [0, 1]: one-hot rows or soft labels.
    logits : array_like, shape (..., C)
        Logits, same shape as ``y_true``; the last axis holds the classes.
    alpha : float or array_like of shape (C,), default 0.25
        Weight of every class (a scalar) or of each class (non-negative).
    gamma : float >= 0, default 2
        Focusing parameter.
    label_smoothing : float in [0, 1], default 0
        Differentiate the label-smoothed loss: targets :math:`y(1 - s) + s/C`.

    Returns
    -------
    ndarray, shape (..., C)
        In the dtype of ``logits``; finite for logits as large as
        :math:`\pm 10^4`.

    Raises
    ------
    ValueError
        If the shapes differ, a value is not finite, ``y_true`` is outside
        [0, 1], ``gamma`` < 0 or ``alpha`` is negative or of the wrong shape.

    See Also
    --------
    lossbook.categorical_focal_crossentropy : the loss (``from_logits=True``).
    binary_focal_grad : the sigmoid version.

    Notes
    -----
    Keras clips the softmax output to :math:`[10^{-7}, 1 - 10^{-7}]`, so its
    gradient (``tf.GradientTape`` through
    ``keras.losses.categorical_focal_crossentropy``) is 0 for a class whose
    probability lies outside; this function differentiates lossbook's
    unclipped loss, and both agree wherever Keras does not clip.

    Examples
    --------
    >>> from lossbook.gradients import categorical_focal_grad, softmax_ce_grad
    >>> print(categorical_focal_grad([[0.0, 1.0]], [[0.0, 0.0]], alpha=1.0, gamma=0.0))  # softmax_ce_grad's
    [[ 0.5 -0.5]]
    >>> print(categorical_focal_grad([[0.0, 1.0]], [[0.0, 3.0]], alpha=1.0).round(6))  # an easy row: 150x smaller
    [[ 0.000315 -0.000315]]
    >>> print(softmax_ce_grad([[0.0, 1.0]], [[0.0, 3.0]]).round(6))
    [[ 0.047426 -0.047426]]
    """
    gamma = check_nonnegative(gamma, "gamma")
    label_smoothing = check_fraction(label_smoothing, "label_smoothing")
    y_true, logits = as_pair(y_true, logits, names=("y_true", "logits"))
    check_in_unit_interval(y_true, "y_true", "Targets are one-hot rows or soft labels.")
    alpha = check_class_weights(alpha, logits.shape[-1], logits.dtype)
    dt = logits.dtype.type
    if label_smoothing:
        s = dt(label_smoothing)
        y_true = y_true * (1 - s) + s / dt(y_true.shape[-1])
    log_p = stable_log_softmax(logits)
    p = np.exp(log_p)
    q = -np.expm1(log_p)  # 1 - p without cancellation where p rounds to 1
    g = dt(gamma)
    with np.errstate(divide="ignore", invalid="ignore"):
        # q^(gamma - 1) * p log p -> 0 where q = 0 (p log p vanishes like -q there), also for gamma < 1.
        focus = np.where(q > 0, np.power(q, g - 1) * p * log_p, dt(0)) if gamma else np.zeros_like(q)
    weighted = alpha * y_true * (np.power(q, g) - g * focus)
    return p * weighted.sum(axis=-1, keepdims=True, dtype=logits.dtype) - weighted


def gaussian_nll_grad(y_true, y_pred, var, *, eps=1e-6):
    r"""Gradients of the Gaussian negative log-likelihood with respect to the mean and the variance.

    For the per-element loss
    :math:`\ell = \frac12\left(\log v + (y - \mu)^2 / v\right)`,
    :math:`v = \max(\sigma^2, \varepsilon)` (see :func:`lossbook.gaussian_nll`):

    .. math::

        \frac{\partial \ell}{\partial \mu} = \frac{\mu - y}{v}, \qquad
        \frac{\partial \ell}{\partial \sigma^2} = \frac12 \left( \frac1v - \frac{(y - \mu)^2}{v^2} \right).

    The variance's gradient is 0 where :math:`v = (y - \mu)^2`: the
    likelihood is best when the predicted variance equals the squared error.
    As in PyTorch (which clamps under ``no_grad``), the clamp at
    :math:`\varepsilon` is not differentiated: below it the same formula is
    used with :math:`v = \varepsilon`.

    Parameters
    ----------
    y_true : array_like, shape (...)
        Observed values.
    y_pred : array_like, shape (...)
        Predicted means, same shape.
    var : array_like, shape (...)
        Predicted variances, positive, same shape.
    eps : float > 0, default 1e-6
        Lower clamp of the variance.

    Returns
    -------
    (ndarray, ndarray)
        :math:`\partial\ell/\partial\mu` and :math:`\partial\ell/\partial\sigma^2`,
        each of the input shape, in the dtype of ``y_pred``.

    Examples
    --------
    >>> from lossbook.gradients import gaussian_nll_grad
    >>> d_mean, d_var = gaussian_nll_grad([0.0, 0.0], [2.0, 2.0], [4.0, 1.0])
    >>> print(d_mean, d_var)
    [0.5 2. ] [ 0.  -1.5]
    """
    check_positive(eps, "eps")
    y_true, y_pred = _elementwise_pair(y_true, y_pred, "y_pred")
    var = as_float_array(var, "var", dtype=y_pred.dtype, min_ndim=0)
    check_same_shape(y_pred, var, ("y_pred", "var"))
    if var.min() <= 0:
        bad = tuple(int(i) for i in np.argwhere(var <= 0)[0])
        fail("var", "contain only positive variances", f"{float(var[bad])!r} at index {bad}")
    v = np.maximum(var, y_pred.dtype.type(eps))
    error = y_pred - y_true
    half = y_pred.dtype.type(0.5)
    return error / v, half * (1 / v - np.square(error) / np.square(v))


# -- derivatives for the figures: -log q, a numerical slope (chapters 2 and 3) ------------


def neg_log_derivative(q):
    r"""Derivative of the loss :math:`-\log q` with respect to the probability :math:`q`.

    .. math::

        \frac{d}{dq}\left(-\log q\right) = -\frac{1}{q}, \qquad 0 < q \le 1

    It is the derivative of the cross-entropy of a one-hot target with respect
    to the predicted probability of the true class (the other probabilities do
    not enter the loss).

    Parameters
    ----------
    q : array_like, shape (...)
        Probabilities in (0, 1].

    Returns
    -------
    ndarray, shape (...)
        Values :math:`\le -1`; large and negative as :math:`q \to 0`.

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.neg_log_derivative([0.5, 1.0]))
    [-2. -1.]
    """
    q = as_float_array(q, "q", min_ndim=0)
    check_in_unit_interval(q, "q")
    if (q == 0).any():
        fail("q", "contain probabilities in (0, 1]", "q=0", "The derivative of -log q is -1/q, infinite at 0.")
    return -1.0 / q


def central_difference(f, x, *, h=1e-3):
    r"""Numerical slope of a scalar function by the central difference.

    .. math::

        f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}

    Parameters
    ----------
    f : callable
        Function of one float returning a float (or a 0-d array).
    x : float
        Where to take the slope.
    h : float, default 1e-3
        Half the step.

    Returns
    -------
    float
        The slope. For a step function it is 0 unless a jump lies within
        ``h`` of ``x``, which is why accuracy cannot be trained by gradient
        descent.

    Examples
    --------
    >>> from lossbook import gradients
    >>> round(gradients.central_difference(lambda x: x**2, 3.0), 6)
    6.0
    """
    check_positive(h, "h")
    return float((f(x + h) - f(x - h)) / (2 * h))


# -- derivatives of margin losses (chapter 6) ---------------------------------------------
#
# The loss zoo's figure needs the slopes of the margin losses with respect to
# the margin m = y f(x), y in {-1, 1}. The logistic loss's is
# sigmoid_bce_grad(1, m); these are the others.


def _margin_array(margin):
    return as_float_array(margin, "margin", min_ndim=0)


def hinge_margin_grad(margin):
    r"""Derivative of the hinge loss with respect to the margin.

    For the margin :math:`m = y f(x)` (label :math:`y \in \{-1, 1\}`, score
    :math:`f(x)`), the hinge loss of :func:`lossbook.hinge` is
    :math:`\max(0, 1 - m)`, and

    .. math::

        \frac{d}{dm} \max(0, 1 - m) = \begin{cases}
            -1 & m \le 1 \\
            0 & m > 1
        \end{cases}

    At the kink :math:`m = 1` any value in :math:`[-1, 0]` is a subgradient;
    this function returns :math:`-1`, what TensorFlow's autodiff gives for
    ``keras.losses.hinge`` (its ``maximum(1 - m, 0)`` passes the gradient to
    the first argument on a tie).

    Parameters
    ----------
    margin : array_like, shape (...)
        Margins :math:`m`, finite.

    Returns
    -------
    ndarray, shape (...)
        -1 or 0, float64 (or the floating dtype of ``margin``).

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.hinge_margin_grad([-2.0, 0.5, 1.0, 1.5]))
    [-1. -1. -1.  0.]
    """
    m = _margin_array(margin)
    return np.where(m <= 1, -1.0, 0.0).astype(m.dtype)


def squared_hinge_margin_grad(margin):
    r"""Derivative of the squared hinge loss with respect to the margin.

    The squared hinge loss of :func:`lossbook.squared_hinge`,
    :math:`\max(0, 1 - m)^2` for the margin :math:`m = y f(x)`, is
    differentiable everywhere:

    .. math::

        \frac{d}{dm} \max(0, 1 - m)^2 = -2 \max(0, 1 - m)

    It grows linearly with a wrong margin, where the hinge's stays at
    :math:`-1`.

    Parameters
    ----------
    margin : array_like, shape (...)
        Margins :math:`m`, finite.

    Returns
    -------
    ndarray, shape (...)
        Values :math:`\le 0`, in the floating dtype of ``margin`` (float64
        for integers).

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.squared_hinge_margin_grad([-2.0, 0.5, 1.0, 1.5]))
    [-6. -1.  0.  0.]
    """
    m = _margin_array(margin)
    return 2 * np.minimum(m - 1, 0)  # -2 max(0, 1 - m), without a negative zero


def exponential_margin_grad(margin):
    r"""Derivative of the exponential loss with respect to the margin.

    The exponential loss of AdaBoost, :func:`lossbook.exponential_loss`, is
    :math:`e^{-m}` for the margin :math:`m = y f(x)`, and

    .. math::

        \frac{d}{dm} e^{-m} = -e^{-m}

    Its magnitude equals the loss itself: a badly wrong example pulls
    exponentially hard.

    Parameters
    ----------
    margin : array_like, shape (...)
        Margins :math:`m`, finite. Below about -709 the result overflows to
        ``-inf`` in float64 (NumPy warns), as the loss does.

    Returns
    -------
    ndarray, shape (...)
        Values :math:`< 0`, in the floating dtype of ``margin``.

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.exponential_margin_grad([0.0, 1.0]).round(6))
    [-1.       -0.367879]
    """
    m = _margin_array(margin)
    return -np.exp(-m)
