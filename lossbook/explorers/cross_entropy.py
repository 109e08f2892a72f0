"""Chapter 3: cross-entropy of one example, and the losses of your own label and prediction."""

from __future__ import annotations

import numpy as np

import lossbook

from .. import plots
from ._base import Explorer, Parameter, _number, format_readout, parse_numbers

__all__ = ["CrossEntropyExplorer"]


class CrossEntropyExplorer(Explorer):
    """Cross-entropy of one example and its gradient, as the true class's probability varies (chapter 3).

    The slider sets :math:`q`, the predicted probability of the true class
    of a three-class example; the other two classes share the rest. The loss
    is ``lossbook.categorical_crossentropy([0, 1, 0], [(1 - q) / 2, q,
    (1 - q) / 2])`` :math:`= -\\log q`; its derivative with respect to
    :math:`q` is :func:`lossbook.plots.neg_log_derivative`, :math:`-1/q`.
    The left panel shows the loss over :math:`q` with a marker and the tangent
    at :math:`q`; the right panel shows the gradient over :math:`q`.

    Under the figure a reader types a label of their own (a class index,
    a one-hot row or soft labels) and a prediction (probabilities or logits);
    :meth:`typed_readout` gives the entropy of the label, the cross-entropy
    and KL divergence, and Keras' categorical, sparse and binary
    cross-entropies (probabilities clipped to :math:`[10^{-7}, 1 - 10^{-7}]`),
    or the message with which lossbook refuses the input.

    Parameters
    ----------
    **values : float
        Initial ``q`` in [0.02, 1] (default 0.5).

    Examples
    --------
    >>> from lossbook.explorers import CrossEntropyExplorer
    >>> CrossEntropyExplorer().readout
    'q = 0.50 · loss = 0.693 · gradient = −2.00'
    >>> print(CrossEntropyExplorer.typed_readout("1", "0.2, 0.7, 0.1", from_logits=False).replace(" · ", "\\n"))
    H(y) = 0 nats
    H(y, q) = 0.35667 nats
    KL(y ‖ q) = 0.35667 nats
    categorical CE = 0.35667
    sparse CE = 0.35667
    binary CE = 0.22839
    >>> CrossEntropyExplorer.typed_readout("[1, 0, 0, 0, 0]", "[0.5, 0.1, 0.2, 0.2, 0.1]", from_logits=False)
    'y_pred must sum to 1 along the last axis (within 0.001); received y_pred sums to 1.1. If y_pred holds logits (unnormalized scores), pass from_logits=True.'
    """

    view = "cross_entropy"

    parameters = (Parameter("q", "Predicted probability of the true class, q", 0.02, 1.0, 0.01, 0.5, symbol="q"),)
    alt = (
        "Two panels. Left: the cross-entropy loss -log q (vertical axis, 0 to 4.2) against the "
        "predicted probability of the true class q (horizontal axis, 0 to 1), a curve falling "
        "to 0 at q = 1, with a marker and a tangent line at the chosen q. Right: the gradient "
        "-1/q (vertical axis, -52 to 2) against q, very negative near q = 0, with a marker at "
        "the chosen q."
    )
    caption = (
        "The cross-entropy of one example is -log q, where q is the probability the model gives "
        "the true class. A confident mistake (q near 0) costs a lot and has a steep gradient; "
        "a confident correct prediction costs almost nothing."
    )

    @staticmethod
    def loss(q):
        """``lossbook.categorical_crossentropy`` of the one-hot target [0, 1, 0] and [(1 - q) / 2, q, (1 - q) / 2]."""
        q = np.asarray(q, dtype=float)
        rest = (1 - q) / 2
        y_pred = np.stack([rest, q, rest], axis=-1)
        y_true = np.broadcast_to([0.0, 1.0, 0.0], y_pred.shape)
        return lossbook.categorical_crossentropy(y_true, y_pred, reduction="none")

    def setup(self, fig):
        left, right = fig.subplots(1, 2)
        p = self.parameters[0]
        self._qs = np.linspace(p.min, p.max, 393)
        c_loss, c_grad = plots.PALETTE["vermillion"], plots.PALETTE["blue"]
        left.plot(self._qs, self.loss(self._qs), color=c_loss)
        plots.style_axes(
            left, xlabel="probability q of the true class", ylabel="loss −log q", xlim=(0, 1.02), ylim=(0, 4.2)
        )
        self.tangent = self.animate(left.plot([], [], color=plots.PALETTE["grey"], linewidth=1.5, linestyle="--")[0])
        self.loss_point = self.animate(plots.marker(left, 0, 0, color=c_loss))
        right.plot(self._qs, plots.neg_log_derivative(self._qs), color=c_grad)
        right.axhline(0, color=plots.PALETTE["black"], linewidth=0.8, zorder=1)
        plots.style_axes(
            right,
            xlabel="probability q of the true class",
            ylabel="gradient d(−log q)/dq",
            xlim=(0, 1.02),
            ylim=(-52, 2),
        )
        self.grad_point = self.animate(plots.marker(right, 0, 0, color=c_grad))

    def update(self, *, q):
        loss = float(self.loss(q))
        gradient = float(plots.neg_log_derivative(q))
        self.loss_point.set_offsets([[q, loss]])
        self.grad_point.set_offsets([[q, gradient]])
        dq = 0.12
        self.tangent.set_data([q - dq, q + dq], [loss - gradient * dq, loss + gradient * dq])
        return format_readout(("q", q, ".2f"), ("loss", loss, ".3f"), ("gradient", gradient, ".2f"))

    @staticmethod
    def typed_readout(label, prediction, *, from_logits):
        """The readout for a typed label and prediction, or the message with which lossbook refuses them.

        ``label`` is one number (a class index: sparse cross-entropy) or a row
        (one-hot or soft labels); ``prediction`` is a row of probabilities, or
        of logits if ``from_logits``. Every number comes from lossbook, called
        in this order: the sparse cross-entropy (index labels), the
        categorical and binary cross-entropies, then, on the probabilities
        (``lossbook.softmax`` of logits), entropy, cross-entropy and KL
        divergence (natural logarithms, no clipping).
        """
        try:
            y = parse_numbers(label, "y_true")
            z = np.array(parse_numbers(prediction, "y_pred"))
            sparse = None
            if len(y) == 1 and z.size > 1:  # a class index
                sparse = float(lossbook.sparse_categorical_crossentropy(np.array(y[0]), z, from_logits=from_logits))
                y = np.eye(z.size)[int(y[0])]
            y = np.array(y)
            categorical = float(lossbook.categorical_crossentropy(y, z, from_logits=from_logits))
            if sparse is None and np.count_nonzero(y == 1) == 1 and np.count_nonzero(y == 0) == y.size - 1:
                sparse = float(
                    lossbook.sparse_categorical_crossentropy(np.array(float(np.argmax(y))), z, from_logits=from_logits)
                )
            binary = float(lossbook.binary_crossentropy(y, z, from_logits=from_logits))
            q = lossbook.softmax(z) if from_logits else z
            h, ce, kl = (
                float(f(*args))
                for f, args in (
                    (lossbook.entropy, (y,)),
                    (lossbook.cross_entropy, (y, q)),
                    (lossbook.kl_divergence, (y, q)),
                )
            )
        except (TypeError, ValueError) as exc:
            return str(exc)
        items = [
            f"{name} = {_number(value, '.5g')} nats"
            for name, value in (("H(y)", h), ("H(y, q)", ce), ("KL(y ‖ q)", kl))
        ]
        if from_logits:
            items.insert(0, "q = softmax(z) = (" + ", ".join(_number(v, ".4g") for v in q) + ")")
        items.append(f"categorical CE = {_number(categorical, '.5g')}")
        items.append(f"sparse CE = {_number(sparse, '.5g')}" if sparse is not None else "sparse CE: needs a hard label")
        items.append(f"binary CE = {_number(binary, '.5g')}")
        return format_readout(*items)
