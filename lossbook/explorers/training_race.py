"""Chapter 5: the training race of squared error and cross-entropy, at a learning rate of your choice."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .. import plots, training
from .._validation import _describe, check_positive, fail
from ._base import Explorer, Parameter, _number, format_readout

__all__ = ["TrainingRaceExplorer"]


@functools.lru_cache(maxsize=32)
def _race(rate, epochs):
    """``training.training_race(learning_rate=rate, epochs=epochs)``, kept for the session.

    The histories keep everything but the per-sample outputs (``output`` has
    no rows), which would take 1.6 MB a run.
    """
    race = training.training_race(learning_rate=rate, epochs=epochs)
    return {name: dataclasses.replace(history, output=history.output[:0]) for name, history in race.items()}


class TrainingRaceExplorer(Explorer):
    """Chapter 5's training race, MSE against cross-entropy, at a learning rate of your choice.

    One sigmoid neuron on ``lossbook.training.make_two_blobs()`` (200 points),
    started confidently wrong at :math:`w = (-5, -5)`, :math:`b = 0`, is trained
    by full-batch gradient descent for ``epochs`` epochs, once with the
    squared error on its output and once with binary cross-entropy:
    ``lossbook.training.training_race(learning_rate=η, epochs=epochs)``. The
    learning rate :math:`\\eta` takes any value from 0.05 to 5 (the slider
    moves on a log scale; a value can also be typed). The left panel shows
    each run's training loss per epoch (log scale), the right panel its
    accuracy, with a marker where it first reaches ``target``; the readout
    gives that epoch, ``lossbook.training.epochs_to_accuracy(run, target)``,
    and each run's final loss and accuracy.

    On the built site the race runs in the browser for each learning rate
    (``trainLogistic`` in ``static/numbers.js``, on the data set and start
    that :meth:`front_end_data` ships from lossbook; the browser tests check
    it against ``lossbook.training``). In Python each rate's race is computed
    when first asked for (about 0.1 s) and kept for the session.

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
        Initial ``learning_rate``, in [0.05, 5] (default 0.5, the race's
        default).

    Examples
    --------
    >>> from lossbook.explorers import TrainingRaceExplorer
    >>> print(TrainingRaceExplorer().readout.replace(" · ", "\\n"))
    η = 0.5
    epochs to 90% accuracy: squared error 826, cross-entropy 12
    after 1000 epochs: squared error loss 0.0144, accuracy 99.0%; cross-entropy loss 0.0314, accuracy 99.0%
    >>> print(TrainingRaceExplorer(learning_rate=0.42).readout.split(" · ")[1])
    epochs to 90% accuracy: squared error 982, cross-entropy 14
    """

    view = "training_race"

    parameters = (Parameter("learning_rate", "Learning rate η", 0.05, 5.0, 0.002, 0.5, fmt="g", symbol="η", log=True),)
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
        super().__init__(**values)

    def run(self, learning_rate):
        """The race at ``learning_rate``: ``{"mse": History, "bce": History}`` (without per-sample outputs)."""
        return _race(float(learning_rate), self.epochs)

    def loss_range(self):
        """Limits of the loss axis: every loss of the races at the slider's two ends, with a margin.

        Both runs' losses fall from the same start (epoch 0 does not depend on
        the rate), and the lower the faster the rate: the race at the largest
        rate reaches the smallest loss (``tests/test_explorers.py`` checks
        rates in between).
        """
        p = self.parameters[0]
        losses = [h.loss for rate in (p.min, p.max) for h in self.run(rate).values()]
        return [min(float(v.min()) for v in losses) / 1.5, max(float(v.max()) for v in losses) * 1.5]

    def front_end_data(self):
        """What the front end trains on, from lossbook: the data set, the start, the epochs, the target, the axis."""
        x, y = training.make_two_blobs()
        race = self.run(self.parameters[0].default)
        w0, b0 = race["bce"].w[0], race["bce"].b[0]
        return {
            "x": x.tolist(),
            "y": y.tolist(),
            "w0": w0.tolist(),
            "b0": float(b0),
            "epochs": self.epochs,
            "target": self.target,
            "loss_range": self.loss_range(),
        }

    def setup(self, fig):
        left, right = fig.subplots(1, 2)
        epochs = np.arange(self.epochs + 1)
        low, high = self.loss_range()
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
        run = self.run(learning_rate)
        items = [("η", learning_rate, "g")]
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
