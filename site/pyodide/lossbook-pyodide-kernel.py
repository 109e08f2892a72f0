"""The in-browser kernel of "Run in your browser" (issue #16).

Runs inside Pyodide in a Web Worker (``lossbook-pyodide-worker.js`` fetches
this file and runs it once). :func:`run_cell` executes one code cell the way
Jupyter does: statements run in one shared namespace, the value of a last
bare expression is shown, stdout/stderr are captured in order, matplotlib
figures (Agg backend) come back as PNG, and an exception comes back as its
traceback. It returns JSON for the page.
"""

import ast
import base64
import io
import json
import re
import sys
import tokenize
import traceback

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

import lossbook  # noqa: F401 - NumPy and SciPy imported once, before "ready"

NAMESPACE = {"__name__": "__main__", "__builtins__": __builtins__}
CELL = "<cell>"
_outputs = []


class _Stream(io.TextIOBase):
    def __init__(self, name):
        self.name = name

    def writable(self):
        return True

    def write(self, text):
        if _outputs and _outputs[-1]["kind"] == "stream" and _outputs[-1]["name"] == self.name:
            _outputs[-1]["text"] += text
        else:
            _outputs.append({"kind": "stream", "name": self.name, "text": text})
        return len(text)


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return {"kind": "image", "data": base64.b64encode(buf.getvalue()).decode("ascii")}


def _show(*args, **kwargs):
    """plt.show(): put every open pyplot figure in the output, then close it."""
    for num in plt.get_fignums():
        _outputs.append(_png(plt.figure(num)))
    plt.close("all")


plt.show = _show


def _display(value):
    if isinstance(value, Figure):
        _outputs.append(_png(value))
        plt.close(value)  # shown once, not again by _show()
        return
    _outputs.append({"kind": "text", "text": repr(value)})


_MAGIC = re.compile(r"^(\s*)([%!].*)$", re.M)


def _without_magics(code):
    """IPython magics (``%pip install ...``, ``!cmd``) do nothing here: lossbook is loaded."""
    return _MAGIC.sub(r"\1pass  # skipped in the browser: \2", code)


def _ends_with_semicolon(code):
    """As in IPython, a trailing ``;`` hides the last expression's value."""
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(code).readline)
            if t.type
            not in (
                tokenize.COMMENT,
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.ENDMARKER,
                tokenize.INDENT,
                tokenize.DEDENT,
            )
        ]
    except (tokenize.TokenError, SyntaxError):
        return False
    return bool(tokens) and tokens[-1].string == ";"


def run_cell(code):
    """Run one cell; return JSON: {"outputs": [...], "error": {...} or null}."""
    _outputs.clear()
    error = None
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
    try:
        code = _without_magics(code)
        tree = ast.parse(code, CELL, "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr) and not _ends_with_semicolon(code):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, CELL, "exec"), NAMESPACE)
        if last is not None:
            value = eval(compile(last, CELL, "eval"), NAMESPACE)  # noqa: S307 - the reader's own cell, as Jupyter runs it
            if value is not None:
                _display(value)
        _show()
    except BaseException as exc:  # noqa: BLE001 - shown to the reader, as Jupyter does
        tb = traceback.extract_tb(exc.__traceback__)
        # Drop this module's own frames: the reader's traceback starts in the cell.
        frames = [f for f in tb if "lossbook-pyodide-kernel" not in f.filename]
        lines = ["Traceback (most recent call last):\n"] if frames else []
        lines += traceback.format_list(frames)
        lines += traceback.format_exception_only(type(exc), exc)
        error = {"ename": type(exc).__name__, "evalue": str(exc), "traceback": "".join(lines)}
        plt.close("all")
    finally:
        sys.stdout, sys.stderr = saved
    return json.dumps({"outputs": list(_outputs), "error": error})
