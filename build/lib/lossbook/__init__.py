"""lossbook: the loss functions of deep learning, small, validated and tested.

The numerical core every chapter of the book imports. Losses follow Keras'
conventions (``loss(y_true, y_pred)``, per-sample values reduced over the last
axis, ``reduction="mean"`` by default) so that every number can be put next to
TensorFlow's; unlike Keras, bad input raises a clear error instead of being
broadcast, renormalized or clipped silently.

The teaching helpers live in submodules that are imported explicitly, so that
``import lossbook`` stays light (NumPy and SciPy only):
``lossbook.explorers``, ``lossbook.fitting``, ``lossbook.plots``, ``lossbook.tf_compare`` and
``lossbook.exercises``.
"""

from ._validation import EPSILON
from .activations import log_sigmoid, log_softmax, logsumexp, sigmoid, softmax
from .classification import (
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    exponential_loss,
    hinge,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from .gradients import (
    huber_grad,
    mae_grad,
    mse_grad,
    sigmoid_bce_grad,
    sigmoid_mse_grad,
    softmax_ce_grad,
)
from .information import binary_entropy, cross_entropy, entropy, kl_divergence
from .regression import (
    epsilon_insensitive,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_squared_error,
    sum_squared_error,
)

__version__ = "0.1.0"

__all__ = [
    "EPSILON",
    # information theory
    "entropy",
    "binary_entropy",
    "cross_entropy",
    "kl_divergence",
    # activations
    "sigmoid",
    "log_sigmoid",
    "softmax",
    "log_softmax",
    "logsumexp",
    # classification losses
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "exponential_loss",
    # regression losses
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "log_cosh",
    "epsilon_insensitive",
    "sum_squared_error",
    # gradients
    "sigmoid_mse_grad",
    "sigmoid_bce_grad",
    "softmax_ce_grad",
    "mse_grad",
    "mae_grad",
    "huber_grad",
]
