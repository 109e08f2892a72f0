"""The base class of the explorers and their parameter model.

An explorer is an anywidget: its state lives once, in synced traitlets
(``values``: the value of every parameter; ``spec``: the parameters, alt text
and caption; ``data``: what the front end needs that lossbook computed in
Python), and its front end is one ES module, ``static/explorers.js``, whose
``render({model, el})`` draws the figure as SVG, the controls and the readout.

The same module runs in two places:

live
    in JupyterLab, Notebook 7, Colab or VS Code, through anywidget;
on the built site
    where no kernel runs: the cell's ``text/html`` output
    (:meth:`Explorer.embed_html`) carries the state as JSON, and the site's
    host script (``site/static/lossbook-explorers.js``) imports the module and
    calls the same ``render`` with a small local model. Without JavaScript
    (and for readers of the notebook file) a static figure drawn by matplotlib
    with its caption remains, inside ``<noscript>``.

Every number the front end shows comes from lossbook: either computed here at
build time (``data``), or computed in JavaScript by the functions in
``explorers.js``, which the browser tests check against lossbook. The Python
side keeps the reference readout (:attr:`Explorer.readout`, from lossbook).
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import anywidget
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import plots
from .._validation import _describe, fail

#: The front end: one ES module and one stylesheet, shipped as package data.
STATIC = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class Parameter:
    """One slider of an explorer.

    Parameters
    ----------
    name : str
        Keyword under which :meth:`Explorer.update` receives the value (a
        Python identifier).
    label : str
        What the slider sets, in words (the slider's accessible label).
    min, max : float
        Range of the slider.
    step : float
        Step of the slider.
    default : float
        Initial value, in ``[min, max]``.
    fmt : str, default ".2f"
        Format of the value in the slider's readout.
    symbol : str, optional
        Short name of the value in the readout (``"q"``); ``name`` by
        default.
    log : bool, default False
        A slider on a logarithmic scale, for values that span decades (a
        learning rate): its positions are equal steps of ``step`` in
        log10 of the value, from ``min`` to ``max`` (both
        positive), and the value it sets is rounded to 3 significant digits.
        The parameter itself takes any value in ``[min, max]``.

    Examples
    --------
    >>> from lossbook.explorers import Parameter
    >>> Parameter("q", "Predicted probability of the true class", 0.01, 1.0, 0.01, 0.5)
    Parameter(name='q', label='Predicted probability of the true class', min=0.01, max=1.0, step=0.01, default=0.5, fmt='.2f', symbol=None, log=False)
    >>> Parameter("q", "q", 0.0, 1.0, 0.1, 2.0)
    Traceback (most recent call last):
        ...
    ValueError: default must lie in [min, max] = [0, 1]; received default=2.0.
    >>> rate = Parameter("eta", "Learning rate", 0.05, 5.0, 0.002, 0.5, fmt="g", symbol="η", log=True)
    >>> rate.text(0.42)
    'η = 0.42'
    """

    name: str
    label: str
    min: float
    max: float
    step: float
    default: float
    fmt: str = ".2f"
    symbol: str | None = None
    log: bool = False

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            fail("name", "be a Python identifier", _describe(self.name), error=TypeError)
        if not isinstance(self.label, str) or not self.label.strip():
            fail("label", "be a non-empty string", _describe(self.label), error=TypeError)
        for field in ("min", "max", "step", "default"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                fail(field, "be a real number", _describe(value), error=TypeError)
            if not np.isfinite(value):
                fail(field, "be finite", f"{field}={value!r}")
        if not self.min < self.max:
            fail("min", "be less than max", f"min={self.min!r}, max={self.max!r}")
        if self.step <= 0:
            fail("step", "be positive", f"step={self.step!r}")
        if not self.min <= self.default <= self.max:
            fail("default", f"lie in [min, max] = [{self.min:g}, {self.max:g}]", f"default={self.default!r}")
        if not isinstance(self.log, bool):
            fail("log", "be True or False", _describe(self.log), error=TypeError)
        if self.log and self.min <= 0:
            fail("min", "be positive on a logarithmic slider", f"min={self.min!r}")

    def text(self, value):
        """The value as the readout shows it, ``"q = 0.50"``."""
        return f"{self.symbol or self.name} = {_number(value, self.fmt)}"


def _number(value, fmt):
    """Format a number with a true minus sign (U+2212), as the figures do."""
    return format(float(value), fmt).replace("-", "\u2212")


def format_readout(*items):
    """Join the numbers an explorer shows into one line of text.

    Parameters
    ----------
    *items : str or (str, float, str)
        Either text used as it is, or ``(name, value, fmt)``, written
        ``name = value`` with ``value`` formatted by ``fmt`` and a true minus
        sign.

    Returns
    -------
    str
        The items separated by ``" · "``.

    Examples
    --------
    >>> from lossbook.explorers import format_readout
    >>> format_readout(("q", 0.5, ".2f"), ("loss", 0.6931, ".3f"), ("gradient", -2, ".2f"))
    'q = 0.50 · loss = 0.693 · gradient = −2.00'
    """
    parts = []
    for item in items:
        if isinstance(item, str):
            parts.append(item)
        else:
            name, value, fmt = item
            parts.append(f"{name} = {_number(value, fmt)}")
    return " · ".join(parts)


#: What a typed number looks like (the front end uses the same pattern).
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_numbers(text, name):
    """Numbers typed by a reader, ``"0.5, 0.25 0.25"`` or ``"[0.5, 0.5]"``, as a list of floats.

    Commas and spaces separate the numbers; one pair of brackets or
    parentheses around them is allowed. The front end parses the same way,
    with the same messages.

    Examples
    --------
    >>> from lossbook.explorers import parse_numbers
    >>> parse_numbers("[0.5, 0.25 0.25]", "p")
    [0.5, 0.25, 0.25]
    >>> parse_numbers("0.5, a", "p")
    Traceback (most recent call last):
        ...
    ValueError: p must be numbers separated by commas; received '0.5, a'.
    """
    stripped = text.strip()
    if stripped[:1] in "[(" and stripped[-1:] in ")]" and stripped:
        stripped = stripped[1:-1]
    tokens = [t for t in re.split(r"[,\s]+", stripped) if t]
    if not tokens or not all(NUMBER.match(t) for t in tokens):
        fail(name, "be numbers separated by commas", repr(text))
    return [float(t) for t in tokens]


_IMPORT = re.compile(r'^import \* as (\w+) from "\./(\w+)\.js";$', re.M)
_EXPORT = re.compile(r"^export (?:async )?(?:function|const|class|let) (\w+)", re.M)


def bundle():
    """``explorers.js`` as one ES module, for anywidget (which loads one module, without relative imports).

    Each ``import * as N from "./x.js";`` line becomes a constant ``N``
    holding the exports of ``x.js``; nothing else changes. The built site
    loads the files themselves.
    """
    main = (STATIC / "explorers.js").read_text(encoding="utf-8")

    def inline(match):
        name, module = match.groups()
        text = (STATIC / f"{module}.js").read_text(encoding="utf-8")
        exports = _EXPORT.findall(text)
        body = _EXPORT.sub(lambda m: m.group(0).replace("export ", "", 1), text)
        return f"const {name} = (() => {{\n{body}\nreturn {{ {', '.join(exports)} }};\n}})();"

    return _IMPORT.sub(inline, main)


class Explorer(anywidget.AnyWidget):
    """Base class of the explorers: parameters in synced traitlets, one ES-module front end.

    A subclass sets :attr:`view` (the name of its view in ``explorers.js``),
    :attr:`parameters`, :attr:`alt` and :attr:`caption`, and implements

    ``setup(fig)``
        draw the static figure once (matplotlib), registering the artists that
        :meth:`update` moves with :meth:`animate`;
    ``update(**values) -> str``
        move them to the state given by the values of all parameters and
        return the readout text, every number from lossbook;

    and optionally :meth:`front_end_data`, numbers lossbook computes once for
    the front end (data sets, precomputed runs).

    Parameters
    ----------
    **values : float
        Initial values of some of the :attr:`parameters` (their defaults
        otherwise).

    Attributes
    ----------
    values : dict
        The value of every parameter (synced with the front end); set it with
        :meth:`set`.
    readout : str
        The readout at the current values, from lossbook; the front end
        prints the same text.
    """

    _esm = bundle()
    _css = STATIC / "explorers.css"
    #: The traitlets the built page embeds (:meth:`state`).
    _page_traits = ("kind", "values", "spec", "data")

    kind = traitlets.Unicode("").tag(sync=True)
    values = traitlets.Dict().tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    data = traitlets.Dict().tag(sync=True)

    parameters: tuple = ()
    view = ""
    figsize = (7.0, 3.0)
    dpi = 80
    alt = ""
    caption = ""

    def __init__(self, **values):
        if not self.parameters:
            fail(f"{type(self).__name__}.parameters", "list at least one Parameter", "an empty tuple", error=TypeError)
        self._parameters = {p.name: p for p in self.parameters}
        state = {p.name: float(p.default) for p in self.parameters}
        state.update(self._checked(values))
        self._figure = None
        self._animated = []
        super().__init__(kind=self.view, values=state, spec=self._spec(), data=self.front_end_data())

    # -- what a subclass writes ----------------------------------------------------

    def setup(self, fig):
        """Draw the static figure once; register the moving artists with :meth:`animate`."""
        raise NotImplementedError(f"{type(self).__name__} must define setup(fig)")

    def update(self, **values):
        """Move the animated artists to the state of ``values``; return the readout text."""
        raise NotImplementedError(f"{type(self).__name__} must define update(**values)")

    def front_end_data(self):
        """Numbers the front end needs that lossbook computes here (JSON-serialisable); none by default."""
        return {}

    def animate(self, *artists):
        """Register artists that :meth:`update` moves; return them (one artist if one is given)."""
        self._animated.extend(artists)
        return artists[0] if len(artists) == 1 else artists

    # -- state ------------------------------------------------------------------------

    def _spec(self):
        return {
            "parameters": [
                {
                    "name": p.name,
                    "label": p.label,
                    "min": p.min,
                    "max": p.max,
                    "step": p.step,
                    "default": p.default,
                    "fmt": p.fmt,
                    "symbol": p.symbol or p.name,
                    "log": p.log,
                }
                for p in self.parameters
            ],
            "alt": self.alt,
            "caption": self.caption,
        }

    def _checked(self, values):
        checked = {}
        for name, value in values.items():
            if name not in self._parameters:
                allowed = ", ".join(self._parameters)
                fail("parameter name", f"be one of {allowed}", repr(name), error=TypeError)
            p = self._parameters[name]
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                fail(name, "be a real number", _describe(value), error=TypeError)
            if not p.min <= value <= p.max:
                fail(name, f"lie in [{p.min:g}, {p.max:g}]", f"{name}={value!r}")
            checked[name] = float(value)
        return checked

    @traitlets.validate("values")
    def _validate_values(self, proposal):
        values = dict(proposal["value"])
        if set(values) != set(self._parameters):
            fail("values", f"set every parameter ({', '.join(self._parameters)})", repr(sorted(values)))
        return self._checked(values)

    def set(self, **values):
        """Set some parameters (validated); the front end follows."""
        self.values = {**self.values, **self._checked(values)}

    @property
    def readout(self):
        """The readout text at the current values, computed by lossbook."""
        return self.readout_at(**self.values)

    def readout_at(self, **values):
        """The readout text at ``values`` (the others at their current values)."""
        state = {**self.values, **self._checked(values)}
        self._ensure_figure()
        return self.update(**state)

    # -- the static figure (no JavaScript, the notebook file) -----------------------------

    def _ensure_figure(self):
        if self._figure is None:
            with plots.style_context():
                self._figure = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")
                self._figure.get_layout_engine().set(w_pad=0.1, h_pad=0.06)
                FigureCanvasAgg(self._figure)
                self.setup(self._figure)
        return self._figure

    @property
    def figure(self):
        """The static matplotlib figure (Agg canvas, not known to pyplot), at the current values."""
        fig = self._ensure_figure()
        self.update(**self.values)
        return fig

    def png(self, *, colors=32):
        """The static figure at the current values as palette PNG bytes."""
        from PIL import Image  # a dependency of matplotlib

        fig = self.figure
        fig.canvas.draw()
        rgba = fig.canvas.buffer_rgba()
        image = Image.frombuffer("RGBA", fig.canvas.get_width_height(), rgba, "raw", "RGBA", 0, 1).convert("RGB")
        out = io.BytesIO()
        image.quantize(colors, method=Image.Quantize.FASTOCTREE).save(out, "PNG", optimize=True)
        return out.getvalue()

    # -- display -------------------------------------------------------------------------

    def state(self):
        """The state the built page embeds: ``{"kind", "values", "spec", "data", ...}``."""
        return {name: getattr(self, name) for name in self._page_traits}

    def embed_html(self):
        """The explorer for a page without a kernel: its state as JSON and a static fallback figure.

        The site's host script finds ``div.lossbook-explorer``, reads the JSON
        and renders the explorer with ``explorers.js``; without JavaScript the
        ``<noscript>`` figure shows.
        """
        payload = json.dumps(self.state(), separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")
        esc = html.escape
        png = base64.b64encode(self.png()).decode("ascii")
        width, height = self._ensure_figure().canvas.get_width_height()
        return (
            f'<div class="lossbook-explorer" data-kind="{esc(self.kind)}">'
            f'<script type="application/json" class="lossbook-explorer-state">{payload}</script>'
            f'<noscript><figure class="lossbook-explorer-static">'
            f'<img src="data:image/png;base64,{png}" alt="{esc(self.alt)}" width="{width}" height="{height}">'
            f"<figcaption>{esc(self.caption)} (Static figure: turn on JavaScript to explore.)</figcaption>"
            "</figure></noscript></div>"
        )

    def __repr__(self):
        args = ", ".join(f"{name}={value:g}" for name, value in self.values.items())
        return f"{type(self).__name__}({args})"

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        """The widget view (Jupyter), the page embed as ``text/html`` (the book's build) and a plain-text name."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle or {})
        bundle["text/html"] = self.embed_html()
        bundle["text/plain"] = repr(self)
        if include:
            bundle = {key: value for key, value in bundle.items() if key in include}
        if exclude:
            bundle = {key: value for key, value in bundle.items() if key not in exclude}
        return bundle
