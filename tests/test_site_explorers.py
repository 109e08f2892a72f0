"""Browser tests of the explorers on the built site (issue #10).

For every explorer on every built page, in headless Chromium (the fixtures of
tests/test_site.py), with no kernel:

* the page's state is the state lossbook builds (same data sets, same runs);
* the readout the page prints equals lossbook's (``Explorer.readout_at``) at
  the start, after every slider moves from the keyboard, and at random values;
* every input (slider, switch, typed numbers, points moved and deleted from
  the keyboard, loss check boxes) changes the figure, and the readout where
  the input changes a number;
* typed numbers print what lossbook prints for them, and invalid ones show
  lossbook's own message and change nothing else;
* the JavaScript functions behind the numbers (lossbook/explorers/static/
  numbers.js) equal lossbook's on grids and random inputs, logits up to
  ±1e4 included: within 1e-12 relative (with an absolute floor of 1e-12 for
  numbers of order one that cancel to about 0), or exactly; chapter 5's
  training race, which the page trains itself, against lossbook.training at
  every epoch, at the old 13-rate grid, random rates and the slider's ends;
* the explorers add at most 40 KB a page each (the minified front end plus
  their state), and the no-JavaScript figure is a PNG file referenced from
  inside ``<noscript>``, not inlined bytes every reader downloads.

Build the book first (``site/build.sh``), then
``python -m pytest tests/test_site_explorers.py -m site``.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from test_site import BUILD_FIRST, HTML  # the fixtures site_url and browser are in conftest.py

import lossbook
from lossbook import explorers, fitting, gradients, training

pytestmark = pytest.mark.site


def _explorer_pages():
    if not HTML.is_dir():
        return []
    return sorted(
        p.relative_to(HTML).as_posix()
        for p in HTML.rglob("*.html")
        if "_static" not in p.parts and 'class="lossbook-explorer-state"' in p.read_text(encoding="utf-8")
    )


PAGES = _explorer_pages()
CLASSES = {
    cls.view: cls
    for cls in (
        explorers.AccuracyExplorer,
        explorers.EntropyExplorer,
        explorers.CrossEntropyExplorer,
        explorers.OutlierExplorer,
        explorers.SigmoidGradientExplorer,
        explorers.TrainingRaceExplorer,
        explorers.MarginLossExplorer,
        explorers.CalibrationExplorer,
        explorers.EmbeddingExplorer,
        explorers.FocalExplorer,
    )
}


def _python_explorer(state):
    cls = CLASSES[state["kind"]]
    if cls is explorers.TrainingRaceExplorer:
        return cls(target=state["data"]["target"], epochs=state["data"]["epochs"])
    return cls()


@pytest.fixture
def page(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()


def _open(page, url, path):
    page.goto(url + path, wait_until="load")
    page.wait_for_selector('html[data-lossbook-explorers="ready"]', timeout=15000)


STATE = "i => document.querySelectorAll('div.lossbook-explorer')[i].lossbookModel.state"
SET_VALUES = """([i, values]) => {
  const m = document.querySelectorAll('div.lossbook-explorer')[i].lossbookModel;
  m.set('values', {...m.get('values'), ...values});
}"""


def _snapshot(host):
    return host.locator(".lb-figure").inner_html(), host.locator(".lb-readout").inner_text()


def _random_values(explorer, rng):
    values = {}
    for p in explorer.parameters:
        if p.log:  # what a log slider sets: 3 significant digits
            values[p.name] = float(f"{10 ** rng.uniform(np.log10(p.min), np.log10(p.max)):.3g}")
            values[p.name] = min(max(values[p.name], p.min), p.max)
        elif p.step >= p.max - p.min:
            values[p.name] = float(rng.choice([p.min, p.max]))
        else:
            values[p.name] = float(np.round(rng.uniform(p.min, p.max) / p.step) * p.step)
            values[p.name] = min(max(values[p.name], p.min), p.max)
    return values


@pytest.mark.parametrize("path", PAGES or ["(no build)"])
def test_explorers_respond_and_print_lossbook_numbers(path, page, site_url, rng):
    if not PAGES:
        pytest.fail(BUILD_FIRST, pytrace=False)
    _open(page, site_url, path)
    hosts = page.locator("div.lossbook-explorer")
    assert hosts.count() >= 1
    for i in range(hosts.count()):
        host = hosts.nth(i)
        state = page.evaluate(STATE, i)
        py = _python_explorer(state)
        assert json.loads(json.dumps(py.state()["data"])) == state["data"], "embedded data differ from lossbook's"
        name = f"{path} #{i + 1} ({state['kind']})"
        assert host.locator(".lb-readout").inner_text() == py.readout_at(**state["values"]), name

        # Every slider, from the keyboard: figure and readout change; the readout is lossbook's.
        sliders = host.locator("input.lb-slider")
        for k in range(sliders.count()):
            slider = sliders.nth(k)
            before = _snapshot(host)
            at_max = float(slider.input_value()) >= float(slider.get_attribute("max"))
            slider.focus()
            slider.press("Home" if at_max else "End")
            after = _snapshot(host)
            values = page.evaluate(STATE, i)["values"]
            assert after[0] != before[0], (
                f"{name}: slider {slider.get_attribute('data-name')} left the figure unchanged"
            )
            assert after[1] != before[1], (
                f"{name}: slider {slider.get_attribute('data-name')} left the readout unchanged"
            )
            assert after[1] == py.readout_at(**values), name
            assert slider.get_attribute("aria-valuetext"), f"{name}: slider without aria-valuetext"

        # Random values: the page prints lossbook's digits.
        for _ in range(25):
            values = _random_values(py, rng)
            page.evaluate(SET_VALUES, [i, values])
            shown = host.locator(".lb-readout").inner_text()
            full = page.evaluate(STATE, i)["values"]
            if state["kind"] == "outlier":
                expected = py.points_readout(page.evaluate(STATE, i)["point_list"], full["outlier"], full["delta"])
            elif state["kind"] == "embedding":
                expected = py.points_readout(page.evaluate(STATE, i)["point_list"], **full)
            else:
                expected = py.readout_at(**full)
            assert shown == expected, f"{name} at {full}"

        TYPED[state["kind"]](page, host, py, i, name)
    assert not page.errors, page.errors


# -- typed numbers and the other inputs, per explorer ----------------------------------------


def _submit(host, fields, check=None):
    form = host.locator("form.lb-form")
    for field, text in fields.items():
        form.locator(f'input[data-name="{field}"]').fill(text)
    if check is not None:
        form.locator('input[data-name="from_logits"]').set_checked(check)
    form.locator("button.lb-apply").click()
    return form.locator(".lb-error").inner_text(), form.locator(".lb-own-readout").inner_text()


def _refused(host, fields, message, name, check=None):
    before = (_snapshot(host), host.locator(".lb-own-readout").inner_text())
    error, _ = _submit(host, fields, check)
    assert error == message, name
    assert (_snapshot(host), host.locator(".lb-own-readout").inner_text()) == before, (
        f"{name}: refused input changed something"
    )


def _no_typed(page, host, py, i, name):
    assert host.locator("form.lb-form").count() == 0


def _entropy(page, host, py, i, name):
    for text in ("0.1, 0.2, 0.7", "[0.5 0.5]", "1, 0, 0", "0.2 0.2 0.2 0.2 0.1 0.1"):
        before = _snapshot(host)[0]
        error, out = _submit(host, {"p": text})
        assert not error and out == py.typed_readout(text), name
        assert _snapshot(host)[0] != before or text == "0.1, 0.2, 0.7", f"{name}: typed p left the figure unchanged"
    for text in ("[0.5, 0.1, 0.2, 0.2, 0.1]", "0.5, -0.5, 1", "one half", "1e999, 0"):
        _refused(host, {"p": text}, py.typed_readout(text), name)


def _cross_entropy(page, host, py, i, name):
    cases = [
        ("2", "0.1, 0.2, 0.7", False),
        ("[0, 1]", "1e4, -1e4", True),
        ("0", "1e4, -1e4", True),
        ("0.3, 0.7", "0.4, 0.6", False),
        ("1, 0, 0", "0, 1, 0", False),
        ("1", "-3, 0.5, 2, 8", True),
    ]
    for label, prediction, logits in cases:
        before = _snapshot(host)[0]
        error, out = _submit(host, {"label": label, "prediction": prediction}, logits)
        assert not error, f"{name}: {error}"
        assert out == py.typed_readout(label, prediction, from_logits=logits), f"{name}: {label} / {prediction}"
        assert _snapshot(host)[0] != before, f"{name}: typed example left the figure unchanged"
    refused = [
        ("[1, 0, 0, 0, 0]", "[0.5, 0.1, 0.2, 0.2, 0.1]", False),
        ("0", "0.5, 0.1, 0.2, 0.2, 0.1", False),
        ("3", "0.5, 0.5", False),
        ("1.5", "0.5, 0.5", True),
        ("1, 0", "0.5", False),
        ("0.5, 0.6", "0.5, 0.5", False),
        ("x", "1", True),
        ("[0, 1]", "1e999, 0", True),
    ]
    for label, prediction, logits in refused:
        message = py.typed_readout(label, prediction, from_logits=logits)
        _refused(host, {"label": label, "prediction": prediction}, message, name, logits)
    # The example: the sum, the value received and the hint.
    message = py.typed_readout("[1, 0, 0, 0, 0]", "[0.5, 0.1, 0.2, 0.2, 0.1]", from_logits=False)
    assert "sum to 1" in message and "1.1" in message and "from_logits=True" in message


def _outlier(page, host, py, i, name):
    points = [[0.0, 1.0], [2.0, 2.5], [4.0, 2.0], [6.5, 4.5], [8.0, 5.0], [10.0, 6.0]]
    text = "; ".join(f"{x}, {y}" for x, y in points)
    before = _snapshot(host)
    error, _ = _submit(host, {"points": text})
    assert not error, error
    values = page.evaluate(STATE, i)["values"]
    assert page.evaluate(STATE, i)["point_list"] == points
    after = _snapshot(host)
    assert after[0] != before[0] and after[1] != before[1], f"{name}: typed points changed nothing"
    assert after[1] == py.points_readout(points, values["outlier"], values["delta"]), name
    # A point moved and deleted from the keyboard.
    for key in ("ArrowUp", "Delete"):
        before = _snapshot(host)
        host.locator(".lb-point").first.focus()
        host.locator(".lb-point").first.press(key)
        now = page.evaluate(STATE, i)
        after = _snapshot(host)
        assert after[0] != before[0] and after[1] != before[1], f"{name}: {key} on a point changed nothing"
        assert after[1] == py.points_readout(now["point_list"], now["values"]["outlier"], now["values"]["delta"]), name
    for bad in ("1, 2; 3", "0, 1", "2, 1; 2, 3; 2, 5"):
        try:
            pts = explorers.outlier.parse_points(bad)
            message = py.points_readout(pts, values["outlier"], values["delta"])
        except ValueError as exc:
            message = str(exc)
        _refused(host, {"points": bad}, message, name)


def _sigmoid(page, host, py, i, name):
    for label in (0, 1) if page.evaluate(STATE, i)["values"]["y"] == 1 else (1, 0):
        before = _snapshot(host)
        host.locator(f'input[type="radio"][value="{label}"]').check()
        after = _snapshot(host)
        assert after != before and page.evaluate(STATE, i)["values"]["y"] == label, (
            f"{name}: the label switch did nothing"
        )
        assert after[1] == py.readout_at(**page.evaluate(STATE, i)["values"])
    for w, x, b, y in (("2", "-1.5", "0.5", "1"), ("0.5", "3", "-0.25", "0.3"), ("-4", "2", "1", "0")):
        before = _snapshot(host)
        error, out = _submit(host, {"w": w, "x": x, "b": b, "y": y})
        assert not error, error
        z = float(w) * float(x) + float(b)
        assert page.evaluate(STATE, i)["values"] == {"z": z, "y": float(y)}
        assert _snapshot(host)[1] == py.readout_at(z=z, y=float(y)), name
    for w, x, b, y in (("10", "2", "0", "1"), ("1", "1", "0", "1.5"), ("a", "1", "0", "1")):
        try:
            message = py.readout_at(z=float(w) * float(x) + float(b), y=float(y))
        except ValueError as exc:
            message = str(exc)
        if w == "a":
            message = "w must be numbers separated by commas; received 'a'."
        _refused(host, {"w": w, "x": x, "b": b, "y": y}, message, name)


#: The learning rates chapter 5's explorer offered before it trained in the browser.
OLD_RACE_GRID = (0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)


def _training_race(page, host, py, i, name):
    # The slider reaches rates between the old grid's: one step up from 0.5 is 0.502.
    slider = host.locator('input.lb-slider[data-name="learning_rate"]')
    page.evaluate(SET_VALUES, [i, {"learning_rate": 0.5}])
    before = _snapshot(host)
    slider.focus()
    slider.press("ArrowRight")
    rate = page.evaluate(STATE, i)["values"]["learning_rate"]
    assert rate not in OLD_RACE_GRID and 0.5 < rate < 0.51, rate
    after = _snapshot(host)
    assert after[0] != before[0] and after[1] != before[1], f"{name}: a rate off the old grid changed nothing"
    assert after[1] == py.readout_at(learning_rate=rate), name
    # Typed rates, off the grid and at both ends.
    for text in ("0.42", "0.0613", "4.99", "0.05", "5"):
        before = _snapshot(host)
        error, _ = _submit(host, {"learning_rate": text})
        assert not error, f"{name}: {error}"
        assert page.evaluate(STATE, i)["values"]["learning_rate"] == float(text)
        after = _snapshot(host)
        assert after[1] == py.readout_at(learning_rate=float(text)), f"{name} at {text}"
        assert after[0] != before[0], f"{name}: typed rate {text} left the figure unchanged"
    for text in ("7", "0", "-0.5", "fast", "0.1, 0.2", "1e999"):
        try:
            values = explorers.parse_numbers(text, "learning_rate")
            message = (
                f"learning_rate must be one number; received {len(values)} numbers."
                if len(values) != 1
                else py.readout_at(learning_rate=values[0])
            )
        except ValueError as exc:
            message = str(exc)
        _refused(host, {"learning_rate": text}, message, name)


def _margin(page, host, py, i, name):
    boxes = host.locator(".lb-losses input[type=checkbox]")
    assert boxes.count() == 5
    for k in range(5):
        before = _snapshot(host)[0]
        boxes.nth(k).uncheck()
        assert _snapshot(host)[0] != before, f"{name}: hiding loss {k + 1} left the figure unchanged"
        boxes.nth(k).check()
    for m in ("-1.25", "1", "2.999"):
        before = _snapshot(host)
        error, _ = _submit(host, {"m": m})
        assert not error and _snapshot(host) != before
        assert _snapshot(host)[1] == py.readout_at(m=float(m))
    for m in ("5", "--1"):
        try:
            message = py.readout_at(m=explorers.parse_numbers(m, "m")[0])
        except ValueError as exc:
            message = str(exc)
        _refused(host, {"m": m}, message, name)


def _embedding(page, host, py, i, name):
    def shown():
        now = page.evaluate(STATE, i)
        return py.points_readout(now["point_list"], **now["values"])

    cases = [
        "1, 0; 1.2, 0.4; -1, 0.5; 0.5, -2; 2.5, 2.5",
        "[0.3, 0.3]; -1 1; 2 -1",
        "-2.5, -2.5; 2.5, 2.5; 0, 0; 1, 1; -1, 1; 1, -1; 0.5, 0.5; -0.5, -0.5",
    ]
    for text in cases:
        before = _snapshot(host)
        error, _ = _submit(host, {"points": text})
        assert not error, f"{name}: {error}"
        assert page.evaluate(STATE, i)["point_list"] == explorers.outlier.parse_points(text), name
        after = _snapshot(host)
        assert after[0] != before[0] and after[1] != before[1], f"{name}: typed points changed nothing"
        assert after[1] == shown(), name
    # Points moved and deleted from the keyboard.
    points = host.locator(".lb-point")
    for k, key in ((0, "ArrowUp"), (1, "Shift+ArrowLeft"), (points.count() - 1, "Delete")):
        before = _snapshot(host)
        points.nth(k).focus()
        points.nth(k).press(key)
        after = _snapshot(host)
        assert after[0] != before[0] and after[1] != before[1], f"{name}: {key} on point {k + 1} changed nothing"
        assert after[1] == shown(), name
    # Dragging a point with the mouse.
    box = points.nth(2).bounding_box()
    before = _snapshot(host)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] - 40, box["y"] + 30, steps=4)
    page.mouse.up()
    after = _snapshot(host)
    assert after[0] != before[0] and after[1] != before[1] and after[1] == shown(), f"{name}: dragging did nothing"
    # Refused input: lossbook's message, nothing changes.
    from lossbook.explorers.embedding import check_embedding_points

    for text in ("1, 0; 1, 1", "1, 0; 1, 1; 3, 0", "1, 0; 1, 1; 0", "0, 0; " * 9, "1, 0; 1, 1; nan, 0"):
        try:
            check_embedding_points(explorers.outlier.parse_points(text))
            message = None
        except ValueError as exc:
            message = str(exc)
        assert message, text
        _refused(host, {"points": text}, message, name)


def _focal(page, host, py, i, name):
    # The label switch: figure and readout change, and the readout is lossbook's.
    for label in (0, 1) if page.evaluate(STATE, i)["values"]["y"] == 1 else (1, 0):
        before = _snapshot(host)
        host.locator(f'input[type="radio"][value="{label}"]').check()
        after = _snapshot(host)
        values = page.evaluate(STATE, i)["values"]
        assert after[0] != before[0] and after[1] != before[1] and values["y"] == label, (
            f"{name}: the switch did nothing"
        )
        assert after[1] == py.readout_at(**values), name
    # Typed examples: drawn on the figure, with lossbook's numbers at the sliders' gamma and alpha.
    for labels, logits in (
        ("1, 1, 0", "4, -1, 2"),
        ("[0 1]", "[1e4, -1e4]"),
        ("1", "0.3"),
        ("0, 0, 1, 1", "-3, 3, -0.5, 9"),
    ):
        before = _snapshot(host)[0]
        error, out = _submit(host, {"labels": labels, "logits": logits})
        values = page.evaluate(STATE, i)["values"]
        assert not error, f"{name}: {error}"
        assert out == py.typed_readout(labels, logits, gamma=values["gamma"], alpha=values["alpha"]), name
        assert _snapshot(host)[0] != before, f"{name}: typed examples left the figure unchanged"
    # Moving gamma re-evaluates the typed examples at the new value.
    page.evaluate(SET_VALUES, [i, {"gamma": 0.5}])
    values = page.evaluate(STATE, i)["values"]
    assert host.locator(".lb-own-readout").inner_text() == py.typed_readout(
        "0, 0, 1, 1", "-3, 3, -0.5, 9", gamma=0.5, alpha=values["alpha"]
    )
    for labels, logits in (
        ("1, 0.5", "1, 2"),
        ("1", "1e999"),
        ("x", "1"),
        ("1, 0", "3"),
        ("1.5", "2"),
        (", ".join(["1"] * 9), ", ".join(["0"] * 9)),
    ):
        message = py.typed_readout(labels, logits, gamma=values["gamma"], alpha=values["alpha"])
        assert "must" in message
        _refused(host, {"labels": labels, "logits": logits}, message, name)


TYPED = {
    "accuracy": _no_typed,
    "training_race": _training_race,
    "entropy": _entropy,
    "cross_entropy": _cross_entropy,
    "outlier": _outlier,
    "sigmoid_gradient": _sigmoid,
    "margin": _margin,
    "calibration": lambda *args: _calibration(*args),  # defined with chapter 8's tests below
    "embedding": _embedding,
    "focal": _focal,
}


# -- the JavaScript numbers against lossbook -------------------------------------------------------


def _close(js, py, what):
    js, py = np.asarray(js, dtype=float), np.asarray(py, dtype=float)
    assert js.shape == py.shape, what
    same = (js == py) | (np.abs(js - py) <= 1e-12 * np.maximum(np.maximum(np.abs(js), np.abs(py)), 1.0))
    assert same.all(), f"{what}: {js[~same][:3]} vs {py[~same][:3]}"


def test_javascript_numbers_equal_lossbook(page, site_url, rng):
    if not PAGES:
        pytest.fail(BUILD_FIRST, pytrace=False)
    _open(page, site_url, PAGES[0])
    page.evaluate(
        "async () => { window.N = await import('./' + "
        "document.querySelector('script[src*=\"lossbook-explorers.js\"]').getAttribute('src')"
        ".replace('lossbook-explorers.js', 'lossbook-explorers/numbers.js')); }"
    )

    def js(expr, arg):
        return page.evaluate(f"a => {expr}", arg)

    z = np.r_[np.linspace(-40, 40, 161), rng.uniform(-1e4, 1e4, 40), [-1e4, 1e4, 0.0, 17.0, -745.0, 710.0]]
    _close(js("a.map(N.sigmoid)", z.tolist()), lossbook.sigmoid(z), "sigmoid")
    for y in (0.0, 1.0, 0.3):
        _close(
            js(f"a.map(v => N.sigmoidMseGrad({y}, v))", z.tolist()),
            gradients.sigmoid_mse_grad(np.full_like(z, y), z),
            "sigmoid_mse_grad",
        )
        _close(
            js(f"a.map(v => N.sigmoidBceGrad({y}, v))", z.tolist()),
            gradients.sigmoid_bce_grad(np.full_like(z, y), z),
            "sigmoid_bce_grad",
        )
        _close(
            js(f"a.map(v => N.binaryCrossentropy([{y}], [v], true))", z.tolist()),
            lossbook.binary_crossentropy(np.full((z.size, 1), y), z[:, None], from_logits=True, reduction="none"),
            "bce logits",
        )
    p = np.r_[0.0, 1e-9, 1e-7, rng.uniform(0, 1, 60), 1 - 1e-9, 1.0]
    for y in (0.0, 1.0, 0.7):
        _close(
            js(f"a.map(v => N.binaryCrossentropy([{y}], [v], false))", p.tolist()),
            lossbook.binary_crossentropy(np.full((p.size, 1), y), p[:, None], reduction="none"),
            "bce probabilities (clipped)",
        )
    for _ in range(40):
        k = int(rng.integers(2, 7))
        logits = rng.normal(0, rng.choice([1, 30, 1e4]), k)
        probs = rng.dirichlet(np.ones(k) * rng.choice([0.1, 1, 10]))
        soft = rng.dirichlet(np.ones(k))
        label = int(rng.integers(0, k))
        onehot = np.eye(k)[label]
        arg = {"l": logits.tolist(), "p": probs.tolist(), "s": soft.tolist(), "o": onehot.tolist(), "k": label}
        got = js(
            "[N.categoricalCrossentropy(a.s, a.l, true), N.categoricalCrossentropy(a.s, a.p, false),"
            " N.sparseCategoricalCrossentropy(a.k, a.l, true), N.sparseCategoricalCrossentropy(a.k, a.p, false),"
            " N.binaryCrossentropy(a.s, a.l, true), N.binaryCrossentropy(a.o, a.p, false),"
            " N.entropy(a.s), N.entropy(a.p, 2), N.crossEntropy(a.s, a.p), N.klDivergence(a.s, a.p), ...N.softmax(a.l)]",
            arg,
        )
        want = [
            lossbook.categorical_crossentropy(soft, logits, from_logits=True),
            lossbook.categorical_crossentropy(soft, probs),
            lossbook.sparse_categorical_crossentropy(np.array(label), logits, from_logits=True),
            lossbook.sparse_categorical_crossentropy(np.array(label), probs),
            lossbook.binary_crossentropy(soft, logits, from_logits=True),
            lossbook.binary_crossentropy(onehot, probs),
            lossbook.entropy(soft),
            lossbook.entropy(probs, base=2),
            lossbook.cross_entropy(soft, probs),
            lossbook.kl_divergence(soft, probs),
            *lossbook.softmax(logits),
        ]
        _close(got, want, f"classification and information at {arg}")
    m = np.r_[np.linspace(-3, 3, 121), rng.uniform(-3, 3, 30)]
    got = js(
        "a.map(v => [...N.numbers ? [] : [], N.hinge(v), N.squaredHinge(v), N.exponentialLoss(v), N.hingeMarginGrad(v),"
        " N.squaredHingeMarginGrad(v), N.exponentialMarginGrad(v)])",
        m.tolist(),
    )
    from lossbook import plots

    ones, s = np.ones((m.size, 1)), m[:, None]
    want = np.column_stack(
        [
            lossbook.hinge(ones, s, reduction="none"),
            lossbook.squared_hinge(ones, s, reduction="none"),
            lossbook.exponential_loss(ones, s, reduction="none"),
            plots.hinge_margin_grad(m),
            plots.squared_hinge_margin_grad(m),
            plots.exponential_margin_grad(m),
        ]
    )
    _close(got, want, "margin losses")
    for _ in range(20):
        n = int(rng.integers(2, 25))
        x = np.round(rng.uniform(0, 10, n), 2)
        y = np.round(1 + 0.5 * x + rng.normal(0, 1, n) + (rng.uniform(size=n) < 0.1) * 15, 2)
        delta = float(rng.choice([0.2, 1.0, 3.7]))
        if x.min() == x.max():
            continue
        got = js(
            f"[...N.fitLineMse(a.x, a.y), ...N.fitLineMae(a.x, a.y), ...N.fitLineHuber(a.x, a.y, {delta})]",
            {"x": x.tolist(), "y": y.tolist()},
        )
        want = [*fitting.fit_line_mse(x, y), *fitting.fit_line_mae(x, y), *fitting.fit_line_huber(x, y, delta=delta)]
        _close(got, want, f"line fits of {n} points")
        line = got[4:6]
        pred = line[0] * x + line[1]
        _close(
            js(
                f"[N.meanSquaredError(a.y, a.p), N.meanAbsoluteError(a.y, a.p), N.huber(a.y, a.p, {delta})]",
                {"y": y.tolist(), "p": pred.tolist()},
            ),
            [
                lossbook.mean_squared_error(y, pred),
                lossbook.mean_absolute_error(y, pred),
                lossbook.huber(y, pred, delta=delta),
            ],
            "regression losses",
        )
    assert math.isfinite(js("N.binaryCrossentropy([1], [-1e4], true)", None))
    # Chapter 9: cosine similarity, the triplet margin loss and InfoNCE.
    for _ in range(40):
        d = int(rng.integers(2, 6))
        scale = float(rng.choice([1e-3, 1.0, 100.0]))
        u, v, w = (rng.normal(0, scale, d) for _ in range(3))
        margin, tau = float(rng.uniform(0, 2)), float(rng.choice([0.05, 0.2, 1.0, rng.uniform(0.05, 2)]))
        row = rng.uniform(-1, 1, int(rng.integers(2, 9)))
        got = js(
            f"[N.cosineSimilarity(a.u, a.v), N.tripletMarginLoss(a.u, a.v, a.w, {margin}), N.infoNce(a.r, {tau})]",
            {"u": u.tolist(), "v": v.tolist(), "w": w.tolist(), "r": row.tolist()},
        )
        want = [
            lossbook.cosine_similarity(u, v),
            lossbook.triplet_margin_loss(u[None], v[None], w[None], margin=margin),
            lossbook.info_nce(row[None], temperature=tau),
        ]
        _close(got, want, f"representation losses at d={d}, scale={scale}")
    for grid_point in np.linspace(-2.5, 2.5, 11):
        u, v = np.array([grid_point, 1.0]), np.array([1.0, -grid_point])
        got = js("[N.cosineSimilarity(a.u, a.v), N.cosineSimilarity(a.u, a.u)]", {"u": u.tolist(), "v": v.tolist()})
        _close(got, [lossbook.cosine_similarity(u, v), lossbook.cosine_similarity(u, u)], "cosine on a grid")
    assert js("N.cosineSimilarity([0, 0], [1, 1])", None) == 0
    refused = {
        "N.infoNce([0.5, 0.1], 0)": lambda: lossbook.info_nce([[0.5, 0.1]], temperature=0.0),
        "N.tripletMarginLoss([0, 0], [1, 0], [0, 1], -1)": lambda: lossbook.triplet_margin_loss(
            [[0.0, 0.0]], [[1.0, 0.0]], [[0.0, 1.0]], margin=-1.0
        ),
    }
    for bad, python in refused.items():
        with pytest.raises(ValueError) as info:
            python()
        got = js(f"(() => {{ try {{ {bad}; return null; }} catch (e) {{ return e.message; }} }})()", None)
        assert got == str(info.value), got

    # The training race (chapter 5): the page's trainer against lossbook.training, at the rates of the
    # old grid, at random rates and at both ends of the slider, every epoch of both runs.
    x, y = training.make_two_blobs()
    rates = [*OLD_RACE_GRID, *10 ** rng.uniform(np.log10(0.05), np.log10(5.0), 6), 0.0501, 4.99]
    for rate in rates:
        race = training.training_race(learning_rate=float(rate))
        got = js(
            "['mse', 'bce'].map(loss => { const r = N.trainLogistic(a.x, a.y, "
            "{ loss, w0: [-5, -5], b0: 0, learningRate: a.rate, epochs: 1000 });"
            " return [...r.loss, ...r.accuracy, ...r.w, ...r.b]; })",
            {"x": x.tolist(), "y": y.tolist(), "rate": float(rate)},
        )
        for k, loss in enumerate(("mse", "bce")):
            h = race[loss]
            _close(got[k], np.r_[h.loss, h.accuracy, h.w.ravel(), h.b], f"training race, {loss} at η = {rate}")
            reached = js("N.epochsToAccuracy(a.acc, 0.95)", {"acc": h.accuracy.tolist()})
            assert reached == training.epochs_to_accuracy(h, 0.95), rate
    # Chapter 7: focal loss and its gradient from logits, on a grid and random logits up to ±1e4.
    z = np.r_[
        np.linspace(-40, 40, 161), rng.uniform(-1e4, 1e4, 30), rng.normal(0, 3, 30), [-1e4, 1e4, 0.0, 745.0, -745.0]
    ]
    for y in (0.0, 1.0, 0.3):
        for gamma, alpha, balancing in ((0.0, 0.25, False), (2.0, 0.25, True), (0.5, 0.9, True), (3.7, 0.0, False)):
            got = js(
                f"a.map(v => [N.binaryFocalCrossentropy({y}, v, {gamma}, {alpha}, {str(balancing).lower()}),"
                f" N.binaryFocalGrad({y}, v, {gamma}, {alpha}, {str(balancing).lower()})])",
                z.tolist(),
            )
            options = {"gamma": gamma, "alpha": alpha, "apply_class_balancing": balancing}
            want = np.column_stack(
                [
                    lossbook.binary_focal_crossentropy(
                        np.full((z.size, 1), y), z[:, None], from_logits=True, reduction="none", **options
                    ),
                    gradients.binary_focal_grad(np.full_like(z, y), z, **options),
                ]
            )
            _close(got, want, f"focal loss and gradient, y={y}, {options}")


@pytest.mark.parametrize("path", PAGES or ["(no build)"])
def test_explorers_fit_a_phone_and_a_dark_page(path, browser, site_url):
    """At 390 px nothing in an explorer is wider than its box; in dark mode the box is dark, not light grey."""
    if not PAGES:
        pytest.fail(BUILD_FIRST, pytrace=False)
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    try:
        _open(page, site_url, path)
        widths = page.evaluate(
            "() => [...document.querySelectorAll('.lb-explorer')].map(e => [e.scrollWidth, e.clientWidth])"
        )
        assert widths and all(scroll <= client for scroll, client in widths), (
            f"{path}: explorer overflows at 390 px: {widths}"
        )
        page.evaluate(
            "() => { document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark'; }"
        )
        page.wait_for_timeout(400)  # the theme's colour transition
        luminance = page.evaluate("""() => [...document.querySelectorAll('.lb-explorer')].map(e => {
            let el = e, bg;
            do { bg = getComputedStyle(el).backgroundColor; el = el.parentElement; } while (el && /rgba\\(0, 0, 0, 0\\)/.test(bg));
            const [r, g, b] = bg.match(/\\d+/g).map(Number);
            const out = [bg, 0.2126 * r + 0.7152 * g + 0.0722 * b];
            el = e.parentElement;
            while (el && !el.classList.contains('cell_output')) {
              const c = getComputedStyle(el).backgroundColor;
              if (!/rgba\\(0, 0, 0, 0\\)/.test(c)) out.push(c);
              el = el.parentElement;
            }
            return out; })""")
        for bg, lum, *behind in luminance:
            assert lum < 100 and not behind, f"{path}: explorer box {bg} (behind it: {behind}) in dark mode"
    finally:
        context.close()


# Issue #10: an explorer adds at most 40 KB (module + data) to its page. The
# front end the site serves (esbuild-minified, site/minify.py) is the
# stylesheet plus one module per view kind on the page (view-<kind>.js, listed
# in front-end.json); the no-JavaScript figure is a file inside <noscript>,
# which a browser running JavaScript does not parse, so only readers without
# it fetch it.
FRONT_END_BUDGET = 40_000  # bytes, however many explorers a page holds


@pytest.mark.parametrize("page_path", PAGES)
def test_explorer_bytes_and_no_javascript_figure(page_path):
    text = (HTML / page_path).read_text(encoding="utf-8")
    served = HTML / "_static" / "lossbook-explorers"
    whole = sum((served / f).stat().st_size for f in ("explorers.js", "numbers.js", "explorers.css"))
    packaged = sum((explorers.STATIC / f).stat().st_size for f in ("explorers.js", "numbers.js", "explorers.css"))
    assert whole < 0.8 * packaged, f"served front end {whole} bytes is not minified (package: {packaged})"
    manifest = json.loads((served / "front-end.json").read_text())
    kinds = sorted(set(re.findall(r'<div class="lossbook-explorer" data-kind="([^"]+)"', text)))
    assert kinds, f"{page_path}: no explorer block"
    files = {manifest["css"], *(f for kind in kinds for f in manifest["views"][kind])}
    front_end = sum((served / f).stat().st_size for f in files)
    assert front_end < FRONT_END_BUDGET, f"{page_path}: the explorers' front end is {front_end} bytes ({sorted(files)})"
    blocks = re.findall(r'<div class="lossbook-explorer".*?</noscript></div>', text, re.S)
    assert blocks, f"{page_path}: no explorer block"
    added = front_end + sum(len(b.encode()) for b in blocks)
    assert added <= 40_000 * len(blocks), (
        f"{page_path}: its {len(blocks)} explorer(s) add {added} bytes (front end {front_end}), "
        f"more than 40 KB an explorer (issue #10)"
    )
    for block in blocks:
        assert "data:image" not in block, f"{page_path}: the no-JavaScript figure is inlined in the page"
        src = re.search(
            r'<noscript><figure class="lossbook-explorer-static"><img src="([^"]+)" alt="[^"]+" width="\d+" height="\d+"',
            block,
        )
        assert src, f"{page_path}: explorer without a no-JavaScript figure (img with alt, width, height)"
        image = (HTML / page_path).parent / src.group(1)
        assert image.is_file() and image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", (
            f"{page_path}: {src.group(1)} is not a PNG"
        )


# -- chapter 8: the calibration explorer -------------------------------------------------------------


def _calibration(page, host, py, i, name):
    bins = lambda: page.evaluate(STATE, i)["values"]["n_bins"]  # noqa: E731
    own = host.locator(".lb-own-readout")
    # The default example is shown, with the slider's bins.
    assert own.inner_text() == py.typed_readout("0.9, 0.8, 0.3, 0.6, 0.95, 0.7", "1, 1, 0, 0, 1, 0", n_bins=bins())
    cases = [
        ("0.9, 0.8, 0.3, 0.6", "1, 1, 0, 0"),
        ("[0.05 0.5 0.97 1 0]", "0 1 1 1 1"),
        ("0.55", "0"),
        ("0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 0.35, 0.65", "0, 0, 1, 0, 1, 1, 1, 1, 0, 0"),
    ]
    for p, y in cases:
        before = _snapshot(host)[0]
        error, out = _submit(host, {"p": p, "labels": y})
        assert not error, f"{name}: {error}"
        assert out == py.typed_readout(p, y, n_bins=bins()), f"{name}: {p} / {y}"
        assert _snapshot(host)[0] != before, f"{name}: typed predictions left the figure unchanged"
    # The bins slider redraws the typed predictions too, with lossbook's numbers.
    slider = host.locator('input.lb-slider[data-name="n_bins"]')
    slider.focus()
    slider.press("Home")
    assert own.inner_text() == py.typed_readout(*cases[-1], n_bins=bins()) and bins() == 2
    refused = [
        ("0.5, 1.5", "0, 1"),
        ("0.5, 0.5", "0, 1, 1"),
        ("0.5, 0.5", "0, 0.5"),
        ("0.5, 0.5", "0, 2"),
        ("0.5, 0.5", "0, -1"),
        ("1e999", "0"),
        ("0.5", "1e999"),
        ("half", "1"),
        ("0.5", "yes"),
        ("", "1"),
    ]
    for p, y in refused:
        _refused(host, {"p": p, "labels": y}, py.typed_readout(p, y, n_bins=bins()), name)


def _nan_to_none(values):
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


def test_javascript_calibration_numbers_equal_lossbook(page, site_url, rng):
    if not PAGES:
        pytest.fail(BUILD_FIRST, pytrace=False)
    _open(page, site_url, PAGES[0])
    page.evaluate(
        "async () => { window.N = await import('./' + "
        "document.querySelector('script[src*=\"lossbook-explorers.js\"]').getAttribute('src')"
        ".replace('lossbook-explorers.js', 'lossbook-explorers/numbers.js')); }"
    )
    nan_free = "v => (Number.isNaN(v) ? null : v)"
    for trial in range(30):
        n, k = int(rng.integers(1, 120)), int(rng.integers(2, 6))
        logits = rng.normal(0, rng.choice([0.5, 3.0, 30.0]), size=(n, k))
        labels = rng.integers(0, k, size=n)
        t = float(rng.choice([0.25, 1.0, float(rng.uniform(0.25, 5))]))
        n_bins = int(rng.integers(1, 31))
        arg = {"z": logits.tolist(), "y": labels.tolist(), "t": t, "b": n_bins, "k": k}
        got = page.evaluate(
            "a => { const p = a.z.map(r => N.temperatureScale(r, a.t));"
            " const oh = a.y.map(v => Array.from({length: a.k}, (_, j) => (j === v ? 1 : 0)));"
            " const b = N.reliabilityBins(a.y, p, a.b);"
            f" const f = {nan_free};"
            " return {p, edges: b.edges, counts: b.counts, conf: b.confidence.map(f), acc: b.accuracy.map(f),"
            " ece: N.expectedCalibrationError(a.y, p, a.b), brier: N.brierScore(oh, p)}; }",
            arg,
        )
        probs = lossbook.temperature_scale(logits, t)
        bins = lossbook.reliability_bins(labels, probs, n_bins=n_bins)
        what = f"calibration, trial {trial}: n={n}, k={k}, T={t}, bins={n_bins}"
        _close(got["p"], probs, f"temperature_scale, {what}")
        _close(got["edges"], bins.edges, f"bin edges, {what}")
        assert got["counts"] == bins.counts.tolist(), what
        for key, want in (("conf", bins.confidence), ("acc", bins.accuracy)):
            assert [v is None for v in got[key]] == np.isnan(want).tolist(), what
            _close([v for v in got[key] if v is not None], want[~np.isnan(want)], f"{key}, {what}")
        _close(got["ece"], lossbook.expected_calibration_error(labels, probs, n_bins=n_bins), f"ECE, {what}")
        _close(got["brier"], lossbook.brier_score(np.eye(k)[labels], probs), f"Brier, {what}")
    # Confidences on the bin edges themselves: 0.5, 0.6, 0.75, 1 with 2, 4, 5 and 10 bins.
    p = np.array([0.5, 0.6, 0.75, 1.0, 0.8, 0.7, 0.9])
    probs = np.stack([1 - p, p], axis=-1)
    labels = np.array([1, 0, 1, 1, 0, 1, 1])
    for n_bins in (2, 4, 5, 10):
        got = page.evaluate(
            "a => N.reliabilityBins(a.y, a.p, a.b).counts", {"y": labels.tolist(), "p": probs.tolist(), "b": n_bins}
        )
        assert got == lossbook.reliability_bins(labels, probs, n_bins=n_bins).counts.tolist(), n_bins
