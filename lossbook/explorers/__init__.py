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
6. :class:`MarginLossExplorer` (the margin losses and their gradients);
7. :class:`FocalExplorer` (focal loss against α-weighted cross-entropy, over γ and α);
8. :class:`CalibrationExplorer` (temperature scaling and the reliability diagram, and your own predictions);
9. :class:`EmbeddingExplorer` (anchor, positive and negatives you drag in 2-D: triplet loss and InfoNCE).

A new explorer is a new module here with a subclass of :class:`Explorer` and
a view function of the same name in ``static/explorers.js``, listed in its
``VIEWS`` table (its numbers go in ``static/numbers.js``). The built site
serves one bundle per view (``site/minify.py``), so a page downloads only the
views it shows.
"""

import importlib

#: Where each public name lives. The modules load on first use (PEP 562), so that
#: ``from lossbook import explorers`` works where anywidget is not installed (the
#: browser's Pyodide, which runs a chapter's other cells and keeps the page's own
#: explorers): only making an explorer needs it.
_WHERE = {
    "STATIC": "_base",
    "Explorer": "_base",
    "Parameter": "_base",
    "format_readout": "_base",
    "parse_numbers": "_base",
    "AccuracyExplorer": "accuracy",
    "CrossEntropyExplorer": "cross_entropy",
    "EntropyExplorer": "entropy",
    "MarginLossExplorer": "margin",
    "OutlierExplorer": "outlier",
    "SigmoidGradientExplorer": "sigmoid",
    "TrainingRaceExplorer": "training_race",
    "CalibrationExplorer": "calibration",
    # chapter 9
    "EmbeddingExplorer": "embedding",
    "FocalExplorer": "focal",
}


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_WHERE])


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
    "CalibrationExplorer",
    "EmbeddingExplorer",
    "FocalExplorer",
]
