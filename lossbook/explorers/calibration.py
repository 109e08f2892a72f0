"""Chapter 8: temperature scaling, the reliability diagram, and the calibration of your own predictions."""

from __future__ import annotations

import numpy as np

import lossbook

from .. import plots
from .._validation import as_float_array, as_labels, check_in_unit_interval
from ._base import Explorer, Parameter, _number, format_readout, parse_numbers

__all__ = ["CalibrationExplorer"]

#: The held-out set the explorer shows: 200 samples of lossbook.overconfident_classifier (3 classes), its logits
#: rounded to 2 decimals (the page embeds them: about 4 KB).
N_SAMPLES, SEED, DECIMALS = 200, 0, 2


def _bins_of(value):
    return int(round(value))


class CalibrationExplorer(Explorer):
    """Temperature scaling of an overconfident three-class classifier, and its reliability diagram (chapter 8).

    The data are 200 held-out samples of
    :func:`lossbook.overconfident_classifier` (seed 0, logits rounded to
    two decimals, so that the page and lossbook share them exactly). The
    sliders set the temperature :math:`T` (the probabilities are
    ``lossbook.temperature_scale(logits, T)``) and the number of bins of the
    reliability diagram. The left panel is the diagram
    (:func:`lossbook.reliability_bins`): the accuracy in each bin against the
    diagonal of perfect calibration; the right panel draws the expected
    calibration error and the negative log-likelihood (the mean
    cross-entropy) over :math:`T`, with the current :math:`T` and the
    temperature :func:`lossbook.fit_temperature` fits on these samples.

    Under the figure a reader types predicted probabilities of class 1 and
    0/1 labels; :meth:`typed_readout` gives their accuracy, ECE (with the
    slider's number of bins), Brier score and negative log-likelihood, or the
    message with which lossbook refuses them.

    Parameters
    ----------
    **values : float
        Initial ``T`` in [0.25, 5] (default 1) and ``n_bins`` in [2, 30]
        (default 10).

    Examples
    --------
    >>> from lossbook.explorers import CalibrationExplorer
    >>> e = CalibrationExplorer()
    >>> print(e.readout.replace(" · ", "\\n"))  # doctest: +NORMALIZE_WHITESPACE
    T = 1.00
    bins = 10
    accuracy = 0.685
    ECE = 0.2025
    NLL = 1.0923
    Brier = 0.5109
    fitted T* = 2.86
    >>> CalibrationExplorer.typed_readout("0.9, 0.8, 0.3, 0.6", "1, 1, 0, 0", n_bins=5)
    '4 predictions · accuracy = 0.750 · ECE = 0.3000 · Brier = 0.2500 · NLL = 0.4004'
    >>> CalibrationExplorer.typed_readout("0.9, 1.2", "1, 1", n_bins=5)
    'p must contain probabilities in [0, 1]; received 1.2 at index (1,).'
    >>> CalibrationExplorer.typed_readout("0.9, 0.2", "1, 2", n_bins=5)
    'labels must be class indices in [0, 1] for y_pred with 2 classes; received label 2.'
    """

    view = "calibration"

    parameters = (
        Parameter("T", "Temperature T (the logits are divided by T)", 0.25, 5.0, 0.01, 1.0, symbol="T"),
        Parameter("n_bins", "Number of bins of the reliability diagram", 2, 30, 1, 10, fmt=".0f", symbol="bins"),
    )
    figsize = (7.0, 3.0)
    alt = (
        "Two panels. Left: a reliability diagram, the accuracy of the samples in each confidence bin (bars, "
        "vertical axis 0 to 1) against their confidence (horizontal axis, 0 to 1), with the diagonal of perfect "
        "calibration; at T = 1 the bars lie below the diagonal, the classifier is overconfident. Right: the "
        "expected calibration error and the negative log-likelihood against the temperature T from 0.25 to 5, "
        "both smallest near the fitted temperature, with a vertical line at the chosen T."
    )
    caption = (
        "Temperature scaling divides an overconfident classifier's logits by T: the reliability diagram moves "
        "onto the diagonal, and the calibration error and the negative log-likelihood fall, while the predicted "
        "classes, and so the accuracy, stay the same."
    )

    # -- the data and its numbers (lossbook) ------------------------------------------------

    @staticmethod
    def dataset():
        """The held-out logits (rounded to 2 decimals) and labels the explorer shows."""
        logits, labels = lossbook.overconfident_classifier(N_SAMPLES, n_classes=3, seed=SEED)
        return np.round(logits, DECIMALS), labels

    def front_end_data(self):
        logits, labels = self.dataset()
        self._logits, self._labels = logits, labels
        self._onehot = np.eye(logits.shape[1])[labels]
        self._t_star = lossbook.fit_temperature(logits, labels)
        return {"logits": logits.tolist(), "labels": labels.tolist(), "t_star": self._t_star}

    def scores(self, T, n_bins):
        """Accuracy, ECE, NLL and Brier score of the held-out set at temperature ``T`` (lossbook)."""
        probs = lossbook.temperature_scale(self._logits, T)
        accuracy = float(np.mean(probs.argmax(axis=-1) == self._labels))
        ece = lossbook.expected_calibration_error(self._labels, probs, n_bins=_bins_of(n_bins))
        nll = float(lossbook.categorical_crossentropy(self._onehot, self._logits / T, from_logits=True))
        brier = float(lossbook.brier_score(self._onehot, probs))
        return accuracy, ece, nll, brier

    # -- the static figure ----------------------------------------------------------------------

    def setup(self, fig):
        self._left, right = fig.subplots(1, 2)
        p = self.parameters[0]
        self._ts = np.linspace(p.min, p.max, 96)
        self._nll_curve = [self.scores(t, 10)[2] for t in self._ts]
        right.plot(self._ts, self._nll_curve, color=plots.PALETTE["vermillion"], label="NLL")
        (self._ece_line,) = right.plot([], [], color=plots.PALETTE["blue"], linestyle="--", label="ECE")
        right.axvline(self._t_star, color=plots.PALETTE["grey"], linestyle=":", linewidth=1.2)
        self._t_line = self.animate(right.axvline(1.0, color=plots.PALETTE["black"], linewidth=1.2))
        plots.style_axes(right, xlabel="temperature T", ylabel="ECE and NLL", ylim=(0, 2.0), legend=True)
        self._ece_bins = None

    def _draw_diagram(self, T, n_bins):
        ax = self._left
        ax.clear()
        bins = lossbook.reliability_bins(self._labels, lossbook.temperature_scale(self._logits, T), n_bins=n_bins)
        centers = (bins.edges[:-1] + bins.edges[1:]) / 2
        width = 1.0 / n_bins
        filled = bins.counts > 0
        ax.bar(centers[filled], bins.accuracy[filled], width=width * 0.9, color=plots.PALETTE["sky"], label="accuracy")
        ax.plot([0, 1], [0, 1], color=plots.PALETTE["grey"], linestyle="--", linewidth=1.2, label="calibrated")
        ax.scatter(bins.confidence[filled], bins.accuracy[filled], color=plots.PALETTE["blue"], s=14, zorder=3)
        plots.style_axes(ax, xlabel="confidence (top-label probability)", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1))

    def update(self, *, T, n_bins):
        n_bins = _bins_of(n_bins)
        accuracy, ece, nll, brier = self.scores(T, n_bins)
        self._draw_diagram(T, n_bins)
        if self._ece_bins != n_bins:
            self._ece_line.set_data(self._ts, [self.scores(t, n_bins)[1] for t in self._ts])
            self._ece_bins = n_bins
        self._t_line.set_xdata([T, T])
        return format_readout(
            ("T", T, ".2f"),
            ("bins", n_bins, ".0f"),
            ("accuracy", accuracy, ".3f"),
            ("ECE", ece, ".4f"),
            ("NLL", nll, ".4f"),
            ("Brier", brier, ".4f"),
            ("fitted T*", self._t_star, ".2f"),
        )

    # -- your own predictions -------------------------------------------------------------------

    @staticmethod
    def typed_readout(probabilities, labels, *, n_bins):
        """The readout for typed probabilities of class 1 and 0/1 labels, or lossbook's message refusing them.

        The probabilities ``p`` become the rows ``(1 - p, p)`` of a two-class
        prediction. Checked in this order: the numbers (``p``, then
        ``labels``), ``p`` in [0, 1], then the labels
        (:func:`lossbook.reliability_bins`'s checks). Numbers: accuracy of the
        top label, :func:`lossbook.expected_calibration_error` with
        ``n_bins``, :func:`lossbook.brier_score` (Brier's two-class form,
        twice :math:`(p - y)^2`) and the mean
        :func:`lossbook.categorical_crossentropy` (probabilities clipped to
        :math:`[10^{-7}, 1 - 10^{-7}]`).
        """
        try:
            p = as_float_array(parse_numbers(probabilities, "p"), "p")
            y = as_float_array(parse_numbers(labels, "labels"), "labels")
            check_in_unit_interval(p, "p")
            probs = np.stack([1 - p, p], axis=-1)
            y = as_labels(y, probs)
            onehot = np.eye(2)[y]
            ece = lossbook.expected_calibration_error(y, probs, n_bins=_bins_of(n_bins))
            accuracy = float(np.mean(probs.argmax(axis=-1) == y))
            brier = float(lossbook.brier_score(onehot, probs))
            nll = float(lossbook.categorical_crossentropy(onehot, probs))
        except (TypeError, ValueError) as exc:
            return str(exc)
        count = f"{p.size} prediction{'s' if p.size > 1 else ''}"
        return format_readout(
            count,
            f"accuracy = {_number(accuracy, '.3f')}",
            ("ECE", ece, ".4f"),
            ("Brier", brier, ".4f"),
            ("NLL", nll, ".4f"),
        )
