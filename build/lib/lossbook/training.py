r"""A small, deterministic trainer for chapter 5's "training race": MSE against cross-entropy.

One sigmoid neuron (logistic regression, :math:`a = \sigma(x \cdot w + b)`)
trained by full-batch gradient descent from a given, confidently wrong start,
once with a squared-error loss on the sigmoid output and once with binary
cross-entropy. Nothing is random except the generated dataset, which is
seeded, so the same call always returns the same history, bit for bit.

The loss values come from lossbook's losses and the gradients from
``lossbook.gradients``; this module only adds the chain rule through
:math:`z = x \cdot w + b` and the update :math:`\theta \leftarrow \theta -
\eta\, \nabla_\theta L`.

Loss conventions (``loss=``), for :math:`N` samples with outputs
:math:`a_n = \sigma(z_n)` and labels :math:`y_n \in \{0, 1\}`:

``"bce"``
    :math:`L = -\frac1N \sum_n [y_n \log a_n + (1 - y_n)\log(1 - a_n)]`,
    :func:`lossbook.binary_crossentropy` (Keras' ``BinaryCrossentropy``).
``"mse"``
    :math:`L = \frac1N \sum_n (a_n - y_n)^2`,
    :func:`lossbook.mean_squared_error` (Keras' ``MeanSquaredError``).
``"half_mse"``
    :math:`L = \frac1{2N} \sum_n (a_n - y_n)^2`, half of ``"mse"``: the
    quadratic cost of Nielsen's *Neural Networks and Deep Learning*. Its
    gradient is half that of ``"mse"``, so ``"half_mse"`` with learning rate
    :math:`\eta` takes exactly the steps of ``"mse"`` with :math:`\eta / 2`.

The module is light (NumPy only) and is not imported by ``import lossbook``;
use ``from lossbook import training``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields

import numpy as np

from ._validation import (
    as_float_array,
    check_bool,
    check_positive,
    fail,
)
from .activations import sigmoid
from .classification import binary_crossentropy
from .gradients import sigmoid_bce_grad, sigmoid_mse_grad
from .regression import mean_squared_error

__all__ = [
    "History",
    "make_two_blobs",
    "train_logistic",
    "training_race",
    "single_neuron_race",
    "epochs_to_accuracy",
]

#: The loss conventions :func:`train_logistic` accepts (see the module docstring).
LOSSES = ("bce", "mse", "half_mse")

#: With ``progress=None``, a progress bar is shown for runs of at least this many epochs.
PROGRESS_MIN_EPOCHS = 10_000


@dataclass(frozen=True, eq=False)
class History:
    r"""Per-epoch record of one training run of :func:`train_logistic`.

    Row ``e`` of every array is the state after ``e`` gradient steps: row 0 is
    the initialisation and row ``epochs`` the final model. The gradient in row
    ``e`` is the one evaluated at that state (the last one is not applied).
    The arrays are float64 and read-only.

    Attributes
    ----------
    loss_name : str
        ``"bce"``, ``"mse"`` or ``"half_mse"``.
    learning_rate : float
        The step size :math:`\eta`.
    loss : ndarray, shape (epochs + 1,)
        Training loss :math:`L` over the whole dataset.
    accuracy : ndarray, shape (epochs + 1,)
        Fraction of samples with :math:`(a > 0.5) = y`.
    w : ndarray, shape (epochs + 1, n_features)
        Weights.
    b : ndarray, shape (epochs + 1,)
        Bias.
    output : ndarray, shape (epochs + 1, n_samples)
        The neuron's outputs :math:`a = \sigma(x \cdot w + b)`.
    grad_w : ndarray, shape (epochs + 1, n_features)
        :math:`\partial L / \partial w`.
    grad_b : ndarray, shape (epochs + 1,)
        :math:`\partial L / \partial b`.
    """

    loss_name: str
    learning_rate: float
    loss: np.ndarray
    accuracy: np.ndarray
    w: np.ndarray
    b: np.ndarray
    output: np.ndarray
    grad_w: np.ndarray
    grad_b: np.ndarray

    @property
    def epochs(self):
        """Number of gradient steps taken (``len(loss) - 1``)."""
        return len(self.loss) - 1

    def as_dict(self):
        """The record as a plain dict (arrays are shared, not copied)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _check_count(value, name, minimum):
    """Refuse a count that is not an integer >= minimum (bools included)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        fail(name, f"be an integer >= {minimum}", f"{value!r} of type {type(value).__name__}", error=TypeError)
    if value < minimum:
        fail(name, f"be an integer >= {minimum}", f"{name}={value!r}")
    return int(value)


def _check_loss_name(loss):
    if not isinstance(loss, str) or loss not in LOSSES:
        allowed = ", ".join(repr(name) for name in LOSSES)
        fail("loss", f"be one of {allowed}", f"loss={loss!r}")
    return loss


def make_two_blobs(n_samples=200, *, spread=0.6, seed=0):
    r"""A seeded two-class dataset in the plane: two Gaussian blobs.

    Class 0 is centred at :math:`(-1, -1)`, class 1 at :math:`(1, 1)`, each
    an isotropic Gaussian with standard deviation ``spread``; the samples are
    shuffled. With the default spread of 0.6 the classes overlap slightly:
    the best linear boundary, :math:`x_1 + x_2 = 0`, has an expected accuracy
    of :math:`\Phi(\sqrt2 / 0.6) \approx 99.1\%`.

    Parameters
    ----------
    n_samples : int, default 200
        Number of points, at least 2; class 0 gets ``n_samples // 2`` of them.
    spread : float, default 0.6
        Standard deviation of each blob along each axis.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    x : ndarray, shape (n_samples, 2)
        Points, float64.
    y : ndarray, shape (n_samples,)
        Labels 0.0 or 1.0.

    Examples
    --------
    >>> from lossbook import training
    >>> x, y = training.make_two_blobs(6, seed=1)
    >>> x.shape, y.tolist()
    ((6, 2), [1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    """
    n_samples = _check_count(n_samples, "n_samples", 2)
    check_positive(spread, "spread")
    seed = _check_count(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    y = np.zeros(n_samples)
    y[n_samples // 2 :] = 1.0
    centres = np.where(y[:, None] == 1.0, 1.0, -1.0)
    x = centres + spread * rng.standard_normal((n_samples, 2))
    order = rng.permutation(n_samples)
    return x[order], y[order]


def _validate_data(x, y):
    x = as_float_array(x, "x", dtype=np.float64, min_ndim=2)
    if x.ndim != 2:
        fail("x", "have shape (n_samples, n_features)", f"x.shape={x.shape}")
    y = as_float_array(y, "y", dtype=np.float64)
    if y.shape != (x.shape[0],):
        hint = "Flatten y with y.ravel()." if y.shape == (x.shape[0], 1) else None
        fail("y", f"have shape (n_samples,)=({x.shape[0]},), one label per row of x", f"y.shape={y.shape}", hint)
    if not np.isin(y, (0.0, 1.0)).all():
        bad = y[~np.isin(y, (0.0, 1.0))][0]
        fail("y", "contain class labels 0 or 1", f"{bad!r}")
    return x, y


def _loss_and_logit_gradient(loss_name, y, z):
    """Training loss (a lossbook loss) and dL/dz per sample (lossbook.gradients), for L a mean over N."""
    n = z.shape[0]
    if loss_name == "bce":
        value = binary_crossentropy(y[:, None], z[:, None], from_logits=True)
        return value, sigmoid_bce_grad(y, z) / n
    value = mean_squared_error(y[:, None], sigmoid(z)[:, None])
    grad = sigmoid_mse_grad(y, z) / n
    if loss_name == "half_mse":
        return 0.5 * value, 0.5 * grad
    return value, grad


class _ProgressBar:
    """A one-line text progress bar on stderr, redrawn when the percentage changes."""

    def __init__(self, total, label, stream=None, width=30):
        self.total, self.label, self.width = total, label, width
        self.stream = sys.stderr if stream is None else stream
        self.shown = -1

    def update(self, done):
        percent = 100 * done // self.total
        if percent == self.shown:
            return
        self.shown = percent
        filled = self.width * done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {percent:3d}% {done}/{self.total} epochs")
        self.stream.flush()

    def close(self):
        self.stream.write("\n")
        self.stream.flush()


def train_logistic(x, y, *, loss, w0, b0=0.0, learning_rate=0.5, epochs=1000, progress=None):
    r"""Train one sigmoid neuron by full-batch gradient descent and record every epoch.

    The model is :math:`a = \sigma(z)`, :math:`z = x \cdot w + b`. Each epoch
    takes one gradient step on the whole dataset,

    .. math::

        w \leftarrow w - \eta\, x^\top g, \qquad
        b \leftarrow b - \eta \textstyle\sum_n g_n, \qquad
        g_n = \frac{\partial L}{\partial z_n},

    where :math:`g` comes from :func:`lossbook.sigmoid_bce_grad`
    (:math:`(a_n - y_n)/N`) or :func:`lossbook.sigmoid_mse_grad`
    (:math:`2(a_n - y_n)\,\sigma'(z_n)/N`, halved for ``"half_mse"``). This is
    what Keras' ``SGD(learning_rate)`` does to a ``Dense(1,
    activation="sigmoid")`` layer fitted with ``batch_size=n_samples``.

    Parameters
    ----------
    x : array_like, shape (n_samples, n_features)
        Inputs.
    y : array_like, shape (n_samples,)
        Labels 0 or 1.
    loss : {"bce", "mse", "half_mse"}
        Training loss; see the module docstring for the exact conventions.
    w0 : array_like, shape (n_features,)
        Initial weights.
    b0 : float, default 0.0
        Initial bias.
    learning_rate : float, default 0.5
        Positive step size :math:`\eta`.
    epochs : int, default 1000
        Number of gradient steps (0 records the initial state only).
    progress : bool or None, default None
        Draw a text progress bar on stderr. ``None`` draws it only for runs of
        at least ``PROGRESS_MIN_EPOCHS`` (10 000) epochs.

    Returns
    -------
    History
        Loss, accuracy, weights, bias, outputs and gradients, one row per
        epoch plus the initial state. All computation is in float64.

    Raises
    ------
    ValueError, TypeError
        Naming the offending argument.

    See Also
    --------
    training_race, single_neuron_race, epochs_to_accuracy

    Examples
    --------
    Nielsen's single neuron, learning to output 0 for the input 1:

    >>> from lossbook import training
    >>> h = training.train_logistic([[1.0]], [0.0], loss="bce", w0=[2.0], b0=2.0,
    ...                             learning_rate=0.15, epochs=300)
    >>> h.output.shape, round(float(h.output[0, 0]), 2), round(float(h.output[-1, 0]), 3)
    ((301, 1), 0.98, 0.012)
    """
    loss_name = _check_loss_name(loss)
    x, y = _validate_data(x, y)
    n_features = x.shape[1]
    w = as_float_array(w0, "w0", dtype=np.float64)
    if w.shape != (n_features,):
        fail("w0", f"have shape (n_features,)=({n_features},), one weight per column of x", f"w0.shape={w.shape}")
    b = as_float_array(b0, "b0", dtype=np.float64, min_ndim=0)
    if b.ndim != 0:
        fail("b0", "be a single number", f"b0.shape={b.shape}")
    b = float(b)
    learning_rate = float(check_positive(learning_rate, "learning_rate"))
    epochs = _check_count(epochs, "epochs", 0)
    if progress is None:
        progress = epochs >= PROGRESS_MIN_EPOCHS
    progress = check_bool(progress, "progress")

    n_samples = x.shape[0]
    record = {
        "loss": np.empty(epochs + 1),
        "accuracy": np.empty(epochs + 1),
        "w": np.empty((epochs + 1, n_features)),
        "b": np.empty(epochs + 1),
        "output": np.empty((epochs + 1, n_samples)),
        "grad_w": np.empty((epochs + 1, n_features)),
        "grad_b": np.empty(epochs + 1),
    }
    labels = y == 1.0
    bar = _ProgressBar(epochs, f"training ({loss_name})") if progress and epochs else None
    w = w.copy()
    for epoch in range(epochs + 1):
        z = x @ w + b
        value, g = _loss_and_logit_gradient(loss_name, y, z)
        grad_w, grad_b = x.T @ g, g.sum()
        record["loss"][epoch] = value
        record["accuracy"][epoch] = np.mean((z > 0) == labels)
        record["w"][epoch] = w
        record["b"][epoch] = b
        record["output"][epoch] = sigmoid(z)
        record["grad_w"][epoch] = grad_w
        record["grad_b"][epoch] = grad_b
        if epoch < epochs:
            w = w - learning_rate * grad_w
            b = b - learning_rate * grad_b
            if bar is not None:
                bar.update(epoch + 1)
    if bar is not None:
        bar.close()
    for array in record.values():
        array.setflags(write=False)
    return History(loss_name=loss_name, learning_rate=learning_rate, **record)


def training_race(
    *,
    n_samples=200,
    seed=0,
    w0=(-5.0, -5.0),
    b0=0.0,
    learning_rate=0.5,
    epochs=1000,
    losses=("mse", "bce"),
    progress=None,
):
    r"""Chapter 5's race: the same neuron, start and step size, trained with each loss.

    The data are ``make_two_blobs(n_samples, seed=seed)``. The default start
    :math:`w = (-5, -5)`, :math:`b = 0` puts the decision boundary on the
    right line, :math:`x_1 + x_2 = 0`, but with the classes swapped, and with
    confidence: with the default data the initial accuracy is 1% (the two
    points on the wrong side of the line) and 85% of the points have
    :math:`|z| > 5`, where :math:`\sigma'(z) < 0.007`.

    With the defaults, cross-entropy first reaches 95% accuracy after 12
    epochs and the ``"mse"`` loss after 840 (its accuracy stays below 10%
    until epoch 761); both end at 99%.

    Parameters
    ----------
    n_samples, seed : int
        Passed to :func:`make_two_blobs`.
    w0 : array_like, shape (2,), default (-5.0, -5.0)
        Initial weights (confidently wrong by default).
    b0 : float, default 0.0
        Initial bias.
    learning_rate : float, default 0.5
        The same step size for every loss.
    epochs : int, default 1000
        Gradient steps per run.
    losses : sequence of str, default ("mse", "bce")
        Loss conventions to race (see ``LOSSES``).
    progress : bool or None, default None
        As in :func:`train_logistic`.

    Returns
    -------
    dict of str to History
        One :class:`History` per loss, keyed by its name, in the order given.

    Examples
    --------
    >>> from lossbook import training
    >>> race = training.training_race(epochs=200)
    >>> {name: training.epochs_to_accuracy(h, 0.95) for name, h in race.items()}
    {'mse': None, 'bce': 12}
    """
    if isinstance(losses, str):
        fail("losses", "be a sequence of loss names such as ('mse', 'bce')", f"the string {losses!r}", error=TypeError)
    losses = [_check_loss_name(name) for name in losses]
    if not losses:
        fail("losses", "name at least one loss", "an empty sequence")
    x, y = make_two_blobs(n_samples, seed=seed)
    return {
        name: train_logistic(
            x, y, loss=name, w0=w0, b0=b0, learning_rate=learning_rate, epochs=epochs, progress=progress
        )
        for name in losses
    }


def single_neuron_race(*, x=1.0, y=0.0, w=2.0, b=2.0, learning_rate=0.15, epochs=300, progress=None):
    r"""Nielsen's single neuron (*Neural Networks and Deep Learning*, ch. 3), with both costs.

    One neuron with one input learns to map :math:`x = 1` to :math:`y = 0`
    from :math:`w = b = 2` (output :math:`\sigma(4) \approx 0.98`, badly
    wrong), by gradient descent with :math:`\eta = 0.15`, for 300 epochs.
    With Nielsen's quadratic cost :math:`C = (y - a)^2 / 2` (``"half_mse"``)
    the gradient is :math:`(a - y)\,\sigma'(z)\,x`, only
    :math:`\sigma'(4) \approx 0.018` times the cross-entropy's
    :math:`(a - y)\,x`, so learning starts very slowly; with cross-entropy
    (``"bce"``) it does not.

    Parameters
    ----------
    x, y : float, default 1.0 and 0.0
        The single training input and its label (0 or 1).
    w, b : float, default 2.0
        Initial weight and bias.
    learning_rate : float, default 0.15
        The same :math:`\eta` for both costs.
    epochs : int, default 300
        Gradient steps.
    progress : bool or None, default None
        As in :func:`train_logistic`.

    Returns
    -------
    dict
        ``{"half_mse": History, "bce": History}``.

    Notes
    -----
    With the defaults, the quadratic cost's output goes from 0.982 to 0.203
    after 300 epochs (cost 0.0206; starting from :math:`w = 0.6`,
    :math:`b = 0.9` instead it ends at 0.094), matching Nielsen's figures.
    Cross-entropy with the same :math:`\eta = 0.15` ends at 0.012. Nielsen's
    own cross-entropy figures use :math:`\eta = 0.005` instead, to compare the
    *shape* of the curves; with that rate cross-entropy's output after 300
    epochs is 0.780 (from :math:`w = b = 2`) and 0.418 (from 0.6, 0.9).

    References
    ----------
    M. A. Nielsen, *Neural Networks and Deep Learning*, Determination Press,
    2015, chapter 3, "The cross-entropy cost function".

    Examples
    --------
    >>> from lossbook import training
    >>> race = training.single_neuron_race()
    >>> {name: round(float(h.output[-1, 0]), 3) for name, h in race.items()}
    {'half_mse': 0.203, 'bce': 0.012}
    """
    for value, name in ((x, "x"), (y, "y"), (w, "w")):
        if np.ndim(value) != 0:
            fail(name, "be a single number", f"{name}={value!r}")
    return {
        name: train_logistic(
            [[x]], [y], loss=name, w0=[w], b0=b, learning_rate=learning_rate, epochs=epochs, progress=progress
        )
        for name in ("half_mse", "bce")
    }


def epochs_to_accuracy(history, target):
    """Number of epochs a run needed to first reach an accuracy, or None if it never did.

    Parameters
    ----------
    history : History
        A run of :func:`train_logistic`.
    target : float
        Accuracy in (0, 1], for example 0.95.

    Returns
    -------
    int or None
        The smallest ``e`` with ``history.accuracy[e] >= target`` (0 if the
        initial model already reaches it), or ``None`` if no epoch does.

    Examples
    --------
    >>> from lossbook import training
    >>> race = training.training_race(epochs=1000)
    >>> training.epochs_to_accuracy(race["bce"], 0.95), training.epochs_to_accuracy(race["mse"], 0.95)
    (12, 840)
    """
    if not isinstance(history, History):
        fail("history", "be a lossbook.training.History", f"{type(history).__name__}", error=TypeError)
    check_positive(target, "target")
    if target > 1:
        fail("target", "be an accuracy in (0, 1]", f"target={target!r}", "Write 95% as 0.95.")
    reached = np.flatnonzero(history.accuracy >= target)
    return int(reached[0]) if reached.size else None
