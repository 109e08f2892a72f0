"""Interactive explorers: one ES-module front end for Jupyter and the built site.

Each chapter's explorer is a notebook cell whose last expression is the
explorer, for example ``explorers.CrossEntropyExplorer()``. In Jupyter (Lab,
Notebook 7, Colab, VS Code) it is an anywidget; on the built site the same
front end (``static/explorers.js``) runs from the state the build embeds, with
no kernel. Where things live:

* ``_base.py``: :class:`Explorer` (parameters as synced traitlets, the static
  fallback figure, the page embed) and :class:`Parameter`;
* ``static/explorers.js`` and ``static/explorers.css``: the front end (figure
  as SVG, controls, readout, and the JavaScript versions of the lossbook
  functions it needs, checked against lossbook by the browser tests);
* one module per explorer, by chapter:

1. :class:`AccuracyExplorer` (accuracy is flat, the cross-entropy has a slope);
2. :class:`EntropyExplorer` (entropy of four outcomes, or of a typed distribution);
3. :class:`CrossEntropyExplorer` (:math:`-\\log q`, and your own label and prediction);
4. :class:`OutlierExplorer` (points you add, drag and delete, with the MSE, MAE and Huber lines);
5. :class:`SigmoidGradientExplorer` (squared error and cross-entropy of a sigmoid
   output) and :class:`TrainingRaceExplorer` (the race of the two losses);
6. :class:`MarginLossExplorer` (the margin losses and their gradients).

A new explorer is a new module here with a subclass of :class:`Explorer` and
a view of the same name in ``explorers.js``.
"""

from ._base import STATIC, Explorer, Parameter, format_readout, parse_numbers
from .accuracy import AccuracyExplorer
from .cross_entropy import CrossEntropyExplorer
from .entropy import EntropyExplorer
from .margin import MarginLossExplorer
from .outlier import OutlierExplorer
from .sigmoid import SigmoidGradientExplorer
from .training_race import TrainingRaceExplorer

__all__ = [
    "Parameter",
    "Explorer",
    "format_readout",
    "parse_numbers",
    "STATIC",
    "AccuracyExplorer",
    "EntropyExplorer",
    "CrossEntropyExplorer",
    "OutlierExplorer",
    "SigmoidGradientExplorer",
    "TrainingRaceExplorer",
    "MarginLossExplorer",
]
