"""Chapter 5: the training race of squared error and cross-entropy, at a learning rate of your choice."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .. import plots, training
from .._validation import _describe, check_positive, fail
from ._base import Explorer, Parameter, _number, format_readout

__all__ = ["TrainingRaceExplorer"]


@functools.lru_cache(maxsize=4)
def _race_runs(rates, epochs):
    """``training.training_race(learning_rate=rate, epochs=epochs)`` for every rate, computed once per process.

    Returns ``{rate: {"mse": History, "bce": History}}``. The histories keep
    everything but the per-sample outputs (``output`` has no rows), which
    would take 1.6 MB a run.
    """
    runs = {}
    for rate in rates:
        race = training.training_race(learning_rate=rate, epochs=epochs)
        runs[rate] = {name: dataclasses.replace(history, output=history.output[:0]) for name, history in race.items()}
    return runs


class TrainingRaceExplorer(Explorer):
    """Chapter 5's training race, MSE against cross-entropy, at a learning rate of your choice.

    One sigmoid neuron on ``lossbook.training.make_two_blobs()`` (200 points),
    started confidently wrong at :math:`w = (-5, -5)`, :math:`b = 0`, is trained
    by full-batch gradient descent for ``epochs`` epochs, once with the
    squared error on its output and once with binary cross-entropy:
    ``lossbook.training.training_race(learning_rate=η, epochs=epochs)``. The
    slider picks the learning rate :math:`\\eta` from a set of 13 values
    between 0.05 and 5, roughly evenly spaced on a log scale. The left panel
    shows each run's training loss per epoch (log scale), the right panel its
    accuracy, with a marker where it first reaches ``target``; the readout
    gives that epoch, ``lossbook.training.epochs_to_accuracy(run, target)``,
    and each run's final loss and accuracy.

    All 26 runs are computed when the first explorer is made and cached for
    the session (about 2 s of CPU time), so the slider only swaps line data.

    Attributes
    ----------
    runs : dict
        ``{learning_rate: {"mse": History, "bce": History}}``, the races
        (:class:`lossbook.training.History` without the per-sample outputs).

    What to look for: cross-entropy reaches the target at every rate, within
    about a hundred epochs even at the smallest, because its gradient
    :math:`\\sigma(z) - y` is large for the confidently wrong points; the squared error sits on a
    plateau, its gradient scaled down by :math:`\\sigma'(z)`, for hundreds of
    epochs or for the whole run, and a larger learning rate only shortens the
    plateau.

    Parameters
    ----------
    epochs : int, default 1000
        Gradient steps per run (at least 10).
    target : float, default 0.9
        The accuracy whose first epoch the readout reports, in (0, 1].
    **values : float
        Initial ``learning_rate``, one of the slider's values (default 0.5,
        the race's default).

    Examples
    --------
    >>> from lossbook.explorers import TrainingRaceExplorer
    >>> print(TrainingRaceExplorer().readout.replace(" · ", "\\n"))
    η = 0.5
    epochs to 90% accuracy: squared error 826, cross-entropy 12
    after 1000 epochs: squared error loss 0.0144, accuracy 99.0%; cross-entropy loss 0.0314, accuracy 99.0%
    """

    view = "training_race"

    parameters = (
        Parameter.choice(
            "learning_rate",
            "Learning rate η",
            (0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0),
            0.5,
            fmt="g",
            symbol="η",
        ),
    )
    alt = (
        "Two panels over the training epochs from 0 to 1000. Left: the training loss of each run "
        "on a logarithmic vertical axis, squared error (solid) and cross-entropy (dashed); the "
        "cross-entropy falls within a few epochs, the squared error stays on a plateau before "
        "it falls, or for the whole run at small learning rates. Right: the training accuracy "
        "of each run, from 0 to 1, with a dashed line at the target accuracy and markers where "
        "each run first reaches it."
    )
    caption = (
        "The same neuron, start and learning rate, trained with the squared error and with "
        "cross-entropy. From a confidently wrong start, the squared error's gradient is tiny, "
        "so it learns late or not at all; cross-entropy learns at once."
    )

    _names = ("squared error", "cross-entropy")
    _keys = ("mse", "bce")
    _colors = (plots.PALETTE["blue"], plots.PALETTE["vermillion"])
    _styles = ("-", "--")

    def __init__(self, *, epochs=1000, target=0.9, **values):
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 10:
            fail("epochs", "be an integer of at least 10", _describe(epochs))
        check_positive(target, "target")
        if target > 1:
            fail("target", "be an accuracy in (0, 1]", f"target={target!r}", "Write 90% as 0.9.")
        self.epochs, self.target = int(epochs), float(target)
        self.runs = _race_runs(self.parameters[0].values, self.epochs)
        super().__init__(**values)

    def front_end_data(self):
        """Each run at about 70 epochs (curves, 4 significant digits) and its exact final numbers, from lossbook."""
        epochs = np.unique(
            np.concatenate(
                [np.arange(0, 11), np.geomspace(10, self.epochs, 20).round(), np.linspace(0, self.epochs, 41).round()]
            )
        ).astype(int)
        runs = []
        for rate in self.parameters[0].values:
            race = {}
            for key in self._keys:
                history = self.runs[rate][key]
                race[key] = {
                    "loss": [float(f"{v:.4g}") for v in history.loss[epochs]],
                    "accuracy": history.accuracy[epochs].tolist(),
                    "reached": training.epochs_to_accuracy(history, self.target),
                    "final_loss": float(history.loss[-1]),
                    "final_accuracy": float(history.accuracy[-1]),
                }
            runs.append(race)
        low = min(float(r[k].loss.min()) for r in self.runs.values() for k in self._keys)
        high = max(float(r[k].loss.max()) for r in self.runs.values() for k in self._keys)
        return {
            "epochs": epochs.tolist(),
            "runs": runs,
            "target": self.target,
            "total_epochs": self.epochs,
            "loss_range": [low / 1.5, high * 1.5],
        }

    def setup(self, fig):
        left, right = fig.subplots(1, 2)
        epochs = np.arange(self.epochs + 1)
        losses = [run[k].loss for run in self.runs.values() for k in self._keys]
        low, high = min(float(v.min()) for v in losses), max(float(v.max()) for v in losses)
        self.loss_lines, self.accuracy_lines, self.reached = [], [], []
        for color, style in zip(self._colors, self._styles):
            self.loss_lines.append(
                self.animate(left.plot(epochs, np.ones_like(epochs), color=color, linestyle=style)[0])
            )
            self.accuracy_lines.append(
                self.animate(right.plot(epochs, np.zeros_like(epochs), color=color, linestyle=style)[0])
            )
            self.reached.append(self.animate(plots.marker(right, 0, self.target, color=color, marker="o")))
        left.set_yscale("log")
        plots.style_axes(
            left,
            xlabel="epoch",
            ylabel="training loss (log scale)",
            xlim=(0, self.epochs),
            ylim=(low / 1.5, high * 1.5),
        )
        grey = plots.PALETTE["grey"]
        right.axhline(self.target, color=grey, linestyle="--", linewidth=1.5, zorder=1)
        right.annotate(
            f"{self.target:.0%} accuracy",
            xy=(1, self.target),
            xycoords=("axes fraction", "data"),
            xytext=(-4, -3),
            textcoords="offset points",
            ha="right",
            va="top",
            color=grey,
            fontsize=10,
        )
        plots.style_axes(right, xlabel="epoch", ylabel="training accuracy", xlim=(0, self.epochs), ylim=(0, 1.02))
        fig.legend(self.loss_lines, self._names, loc="outside upper center", ncols=2, fontsize=10)

    def update(self, *, learning_rate):
        rate = self.parameters[0].snap(learning_rate)
        run = self.runs[rate]
        items = [("η", rate, "g")]
        reached_texts, final_texts = [], []
        for k, name in enumerate(self._names):
            history = run[self._keys[k]]
            loss, accuracy = history.loss, history.accuracy
            reached = training.epochs_to_accuracy(history, self.target)
            self.loss_lines[k].set_ydata(loss)
            self.accuracy_lines[k].set_ydata(accuracy)
            self.reached[k].set_visible(reached is not None)
            if reached is not None:
                self.reached[k].set_offsets([[reached, accuracy[reached]]])
            reached_texts.append(f"{name} {reached}" if reached is not None else f"{name} not within {self.epochs}")
            final_texts.append(f"{name} loss {_number(loss[-1], '.4f')}, accuracy {_number(accuracy[-1], '.1%')}")
        items.append(f"epochs to {self.target:.0%} accuracy: " + ", ".join(reached_texts))
        items.append(f"after {self.epochs} epochs: " + "; ".join(final_texts))
        return format_readout(*items)
