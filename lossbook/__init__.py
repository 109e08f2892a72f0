"""lossbook: the loss functions of deep learning, small, validated and tested.

The numerical core every chapter of the book imports. Losses follow Keras'
conventions (``loss(y_true, y_pred)``, per-sample values reduced over the last
axis, ``reduction="mean"`` by default) so that every number can be put next to
TensorFlow's; unlike Keras, bad input raises a clear error instead of being
broadcast, renormalized or clipped silently.

The teaching helpers live in submodules that are imported explicitly, so that
``import lossbook`` stays light (NumPy and SciPy only):
``lossbook.explorers``, ``lossbook.fitting``, ``lossbook.plots``, ``lossbook.frameworks`` and
``lossbook.exercises``.
"""

from ._validation import EPSILON
from .activations import log_sigmoid, log_softmax, logsumexp, sigmoid, softmax
from .calibration import (
    ReliabilityBins,
    brier_score,
    expected_calibration_error,
    fit_temperature,
    overconfident_classifier,
    reliability_bins,
    temperature_scale,
)
from .classification import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    categorical_hinge,
    exponential_loss,
    hinge,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from .gradients import (
    binary_focal_grad,
    categorical_focal_grad,
    gaussian_nll_grad,
    huber_grad,
    mae_grad,
    mse_grad,
    sigmoid_bce_grad,
    sigmoid_mse_grad,
    softmax_ce_grad,
)
from .information import binary_entropy, cross_entropy, entropy, kl_divergence
from .probabilistic import gaussian_nll, poisson
from .regression import (
    epsilon_insensitive,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    sum_squared_error,
)
from .representation import circle, cosine_similarity, info_nce, nt_xent, triplet_margin_loss
from .segmentation import dice, tversky
from .sequence import ctc
from .weighting import class_weight_to_sample_weight

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
    "binary_focal_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "exponential_loss",
    # regression losses
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "huber",
    "log_cosh",
    "epsilon_insensitive",
    "sum_squared_error",
    # calibration
    "reliability_bins",
    "ReliabilityBins",
    "expected_calibration_error",
    "brier_score",
    "temperature_scale",
    "fit_temperature",
    "overconfident_classifier",
    # probabilistic losses
    "poisson",
    "gaussian_nll",
    # segmentation losses
    "dice",
    "tversky",
    # sequence losses
    "ctc",
    # representation-learning losses
    "cosine_similarity",
    "circle",
    "info_nce",
    "nt_xent",
    "triplet_margin_loss",
    # weights
    "class_weight_to_sample_weight",
    # gradients
    "sigmoid_mse_grad",
    "sigmoid_bce_grad",
    "softmax_ce_grad",
    "mse_grad",
    "mae_grad",
    "huber_grad",
    "binary_focal_grad",
    "categorical_focal_grad",
    "gaussian_nll_grad",
]
