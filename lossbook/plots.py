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
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._validation import check_axis_label, check_grid_size

# The math these figures plot lives with the other gradients and metrics; plots re-exports it
# because the chapters call it as plots.<name>.
from .classification import binary_accuracy
from .gradients import (
    central_difference,
    exponential_margin_grad,
    hinge_margin_grad,
    neg_log_derivative,
    squared_hinge_margin_grad,
)

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
    check_grid_size(nrows, "nrows")
    check_grid_size(ncols, "ncols")
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
    check_axis_label(xlabel, "xlabel")
    check_axis_label(ylabel, "ylabel")
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
