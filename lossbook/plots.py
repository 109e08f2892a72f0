"""Figure style and small drawing helpers shared by the chapters and the explorers.

Every figure of the book, a chapter's static figure or an interactive
explorer (:mod:`lossbook.explorers`, its no-JavaScript figure), uses the same look: a white background
(figures stay readable in the site's dark mode), text of at least 10 points,
labelled axes and the colour-blind-safe Okabe-Ito palette :data:`PALETTE`.

A chapter draws its static figures with ordinary matplotlib calls and these
helpers::

    import matplotlib.pyplot as plt
    from lossbook import plots

    plots.use_style()                      # once, in the imports cell
    fig, ax = plots.new_figure()           # a pyplot figure, shown inline
    ax.plot(q, loss, label="cross-entropy")
    plots.style_axes(ax, xlabel="q", ylabel="loss", legend=True)

The module also holds the few analytic derivatives and metrics that figures
show but that are not losses (:func:`neg_log_derivative`,
:func:`central_difference`, :func:`binary_accuracy`, and the derivatives of
margin losses with respect to the margin, :func:`hinge_margin_grad`,
:func:`squared_hinge_margin_grad`, :func:`exponential_margin_grad`); the
losses themselves always come from :mod:`lossbook`.

pyplot is imported only by :func:`new_figure` with ``pyplot=True`` (the
default); the explorers create their figures with
:class:`matplotlib.figure.Figure` so that the inline backend never displays
them a second time.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._validation import as_float_array, check_in_unit_interval, check_positive, check_same_shape, fail

__all__ = [
    "PALETTE",
    "CYCLE",
    "RC",
    "style_context",
    "use_style",
    "new_figure",
    "style_axes",
    "reference_line",
    "marker",
    "neg_log_derivative",
    "central_difference",
    "binary_accuracy",
    "hinge_margin_grad",
    "squared_hinge_margin_grad",
    "exponential_margin_grad",
]

#: The Okabe-Ito palette, distinguishable with the common colour-vision
#: deficiencies (M. Okabe and K. Ito, *Color Universal Design*, 2008).
PALETTE = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "orange": "#E69F00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#777777",
}

#: Order of the line colours (yellow is left out: too pale on white).
CYCLE = tuple(PALETTE[name] for name in ("blue", "vermillion", "green", "orange", "purple", "sky", "black"))

#: matplotlib settings of the book's figures.
RC = {
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 12,
    "axes.prop_cycle": cycler(color=list(CYCLE)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#b0b0b0",
    "grid.alpha": 0.4,
    "grid.linewidth": 0.8,
    "lines.linewidth": 2.0,
    "legend.frameon": False,
    "axes.unicode_minus": True,
}


def style_context():
    """Return a context manager that applies :data:`RC` to the figures made inside it.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from lossbook import plots
    >>> with plots.style_context():
    ...     fig = Figure()
    ...     ax = fig.add_subplot()
    >>> fig.get_facecolor()
    (1.0, 1.0, 1.0, 1.0)
    """
    return mpl.rc_context(RC)


def use_style():
    """Apply :data:`RC` to every later matplotlib figure (call once per chapter).

    Returns
    -------
    None
    """
    mpl.rcParams.update(RC)


def new_figure(nrows=1, ncols=1, *, figsize=None, pyplot=True, **subplots_kw):
    """Create a figure in the book's style with a grid of axes.

    Parameters
    ----------
    nrows, ncols : int, default 1
        Shape of the grid of axes.
    figsize : (float, float), optional
        Width and height in inches; by default 3.2 inches tall and 4.8 inches
        wide per column (at most 9.6 inches).
    pyplot : bool, default True
        Create the figure through :func:`matplotlib.pyplot.subplots`, so that a
        notebook shows it inline; with False, a :class:`~matplotlib.figure.Figure`
        on an Agg canvas that pyplot does not know about (what the explorers use).
    **subplots_kw
        Passed to ``subplots`` (``sharex``, ``sharey``, ``width_ratios``, ...).

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, white, with constrained layout.
    axes : matplotlib.axes.Axes or ndarray of Axes
        One Axes for a 1 x 1 grid, otherwise an array of shape ``(nrows, ncols)``
        squeezed as by ``subplots``.

    Examples
    --------
    >>> from lossbook import plots
    >>> fig, (left, right) = plots.new_figure(1, 2, pyplot=False)
    >>> fig.get_size_inches().tolist(), left.xaxis.label.get_fontsize() >= 10
    ([9.6, 3.2], True)
    """
    if isinstance(nrows, bool) or not isinstance(nrows, (int, np.integer)) or nrows < 1:
        fail("nrows", "be a positive integer", f"nrows={nrows!r}")
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        fail("ncols", "be a positive integer", f"ncols={ncols!r}")
    if figsize is None:
        figsize = (min(4.8 * ncols, 9.6), 3.2 * nrows)
    with style_context():
        if pyplot:
            import matplotlib.pyplot as plt

            return plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", **subplots_kw)
        fig = Figure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(fig)
        return fig, fig.subplots(nrows, ncols, **subplots_kw)


def style_axes(ax, *, xlabel, ylabel, title=None, xlim=None, ylim=None, legend=False):
    """Label an Axes and set its limits, in the book's style.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to style.
    xlabel, ylabel : str
        Axis labels (required: every axis of the book is labelled).
    title : str, optional
        Axes title.
    xlim, ylim : (float, float), optional
        Axis limits.
    legend : bool, default False
        Whether to draw a legend of the labelled artists.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax`` itself.

    Examples
    --------
    >>> from lossbook import plots
    >>> fig, ax = plots.new_figure(pyplot=False)
    >>> plots.style_axes(ax, xlabel="q", ylabel="loss", ylim=(0, 5)).get_ylim()
    (np.float64(0.0), np.float64(5.0))
    """
    for name, label in (("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(label, str) or not label.strip():
            fail(name, "be a non-empty string", repr(label), "Every axis of the book is labelled.")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if legend:
        ax.legend()
    return ax


def reference_line(ax, y, label, *, color=PALETTE["grey"]):
    """Draw a dashed horizontal reference line at ``y`` with a text label above it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes.
    y : float
        Height of the line, in data coordinates.
    label : str
        Text written at the left end, just above the line.
    color : color, default grey

    Returns
    -------
    matplotlib.lines.Line2D
        The line.
    """
    line = ax.axhline(y, color=color, linestyle="--", linewidth=1.5, zorder=1)
    ax.annotate(
        label,
        xy=(0, y),
        xycoords=("axes fraction", "data"),
        xytext=(4, 3),
        textcoords="offset points",
        color=color,
        fontsize=10,
        va="bottom",
    )
    return line


def marker(ax, x, y, *, color=PALETTE["black"], size=60, zorder=4, **kwargs):
    """Draw one point meant to be moved with ``set_offsets`` (an explorer's current value).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes.
    x, y : float
        Position in data coordinates.
    color : color, default black
    size : float, default 60
        Marker area in points squared.
    zorder : float, default 4
        Above lines (2) and grid.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.scatter`.

    Returns
    -------
    matplotlib.collections.PathCollection
        Move it with ``marker.set_offsets([[x, y]])``.
    """
    kwargs.setdefault("edgecolors", "white")
    kwargs.setdefault("linewidths", 1.2)
    return ax.scatter([x], [y], s=size, color=color, zorder=zorder, clip_on=False, **kwargs)


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
    >>> from lossbook import plots
    >>> print(plots.neg_log_derivative([0.5, 1.0]))
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
    >>> from lossbook import plots
    >>> round(plots.central_difference(lambda x: x**2, 3.0), 6)
    6.0
    """
    check_positive(h, "h")
    return float((f(x + h) - f(x - h)) / (2 * h))


def binary_accuracy(y_true, p, *, threshold=0.5):
    r"""Fraction of samples whose predicted class matches the label, as in Keras.

    .. math::

        \mathrm{acc} = \frac{1}{N} \sum_{n=1}^{N} [\, [p_n > t] = y_n \,]

    with threshold :math:`t` (Keras' ``binary_accuracy``: a probability of
    exactly 0.5 predicts class 0).

    Parameters
    ----------
    y_true : array_like, shape (..., N)
        Labels 0 or 1.
    p : array_like, shape (..., N)
        Predicted probabilities of class 1.
    threshold : float, default 0.5

    Returns
    -------
    ndarray, shape (...)
        Accuracy over the last axis, in [0, 1].

    Examples
    --------
    >>> from lossbook import plots
    >>> print(plots.binary_accuracy([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.5]))
    0.75
    """
    y_true = as_float_array(y_true, "y_true")
    p = as_float_array(p, "p")
    check_same_shape(y_true, p, ("y_true", "p"))
    check_in_unit_interval(p, "p")
    if not np.isin(y_true, (0.0, 1.0)).all():
        fail("y_true", "contain labels 0 or 1", f"values {np.unique(y_true)[:5]}")
    return ((p > threshold) == (y_true == 1)).mean(axis=-1)


# -- derivatives of margin losses (chapter 6) ---------------------------------------------
#
# lossbook.gradients differentiates the losses a network is trained with, with
# respect to its outputs; the loss zoo's figure also needs the slopes of the
# margin losses with respect to the margin m = y f(x), y in {-1, 1}. The
# logistic loss's is in lossbook.gradients (sigmoid_bce_grad(1, m)); these are
# the others.


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
    >>> from lossbook import plots
    >>> print(plots.hinge_margin_grad([-2.0, 0.5, 1.0, 1.5]))
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
    >>> from lossbook import plots
    >>> print(plots.squared_hinge_margin_grad([-2.0, 0.5, 1.0, 1.5]))
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
    >>> from lossbook import plots
    >>> print(plots.exponential_margin_grad([0.0, 1.0]).round(6))
    [-1.       -0.367879]
    """
    m = _margin_array(margin)
    return -np.exp(-m)
