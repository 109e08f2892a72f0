"""Tests of lossbook.explorers: parameters, state, readouts, the page embed and the front-end files.

The front end's numbers are tested in JavaScript (tests/js/, ``node --test``)
and against lossbook in the browser (tests/test_site_explorers.py).
"""

import base64
import html
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lossbook
from lossbook import explorers
from lossbook.explorers import (
    AccuracyExplorer,
    CalibrationExplorer,
    CrossEntropyExplorer,
    EmbeddingExplorer,
    EntropyExplorer,
    Explorer,
    FocalExplorer,
    MarginLossExplorer,
    OutlierExplorer,
    Parameter,
    SigmoidGradientExplorer,
    TrainingRaceExplorer,
    parse_numbers,
)
from lossbook.explorers._base import bundle
from lossbook.explorers.outlier import parse_points

ROOT = Path(__file__).resolve().parent.parent
ALL = [
    AccuracyExplorer,
    EntropyExplorer,
    CrossEntropyExplorer,
    OutlierExplorer,
    SigmoidGradientExplorer,
    TrainingRaceExplorer,
    MarginLossExplorer,
    CalibrationExplorer,
    EmbeddingExplorer,
    FocalExplorer,
]


@pytest.fixture(scope="module")
def made():
    return {cls: cls() for cls in ALL}


# -- parameters and state ----------------------------------------------------------------


def test_parameter_refuses_a_default_outside_its_range():
    with pytest.raises(ValueError, match=r"^default must lie in \[min, max\] = \[0, 1\]; received default=2\.0\.$"):
        Parameter("q", "q", 0.0, 1.0, 0.1, 2.0)


def test_log_parameter_needs_positive_values_and_takes_any_value_in_its_range():
    rate = Parameter("eta", "Learning rate", 0.05, 5.0, 0.002, 0.5, fmt="g", symbol="η", log=True)
    assert rate.text(0.4237) == "η = 0.4237"
    with pytest.raises(ValueError, match=r"^min must be positive on a logarithmic slider; received min=0\.0\.$"):
        Parameter("eta", "Learning rate", 0.0, 5.0, 0.002, 0.5, log=True)
    with pytest.raises(TypeError, match="^log must be True or False"):
        Parameter("eta", "Learning rate", 0.05, 5.0, 0.002, 0.5, log="yes")


@pytest.mark.parametrize("cls", ALL)
def test_every_explorer_has_a_view_alt_text_caption_and_valid_defaults(cls, made):
    e = made[cls]
    assert e.kind == cls.view and e.kind in (explorers.STATIC / "explorers.js").read_text()
    assert len(e.alt) > 80 and len(e.caption) > 40
    assert set(e.values) == {p.name for p in cls.parameters}
    assert e.readout and "nan" not in e.readout


def test_values_are_validated_in_python_and_when_the_front_end_sets_them():
    e = CrossEntropyExplorer()
    e.set(q=0.25)
    assert e.values == {"q": 0.25} and e.readout == "q = 0.25 · loss = 1.386 · gradient = −4.00"
    with pytest.raises(ValueError, match=r"^q must lie in \[0\.02, 1\]; received q=0\.0\.$"):
        e.set(q=0.0)
    with pytest.raises(TypeError, match="^q must be a real number"):
        CrossEntropyExplorer(q="0.5")
    with pytest.raises(Exception, match=r"q must lie in"):
        e.values = {"q": 3.0}  # what a misbehaving front end would send
    assert e.values == {"q": 0.25}


def test_the_learning_rate_takes_any_value_in_its_range_and_only_those():
    assert TrainingRaceExplorer(learning_rate=0.0613).readout.startswith("η = 0.0613 · ")
    with pytest.raises(ValueError, match=r"^learning_rate must lie in \[0\.05, 5\]; received learning_rate=7\.0\.$"):
        TrainingRaceExplorer(learning_rate=7.0)


def test_readout_at_leaves_the_state_alone():
    e = SigmoidGradientExplorer()
    assert e.readout_at(z=0.0, y=0.0).startswith("z = 0.00 · y = 0 · σ(z) = 0.5000")
    assert e.values == {"z": -4.0, "y": 1.0}


# -- the page embed and the widget bundle ---------------------------------------------------------


@pytest.mark.parametrize("cls", ALL)
def test_embed_carries_the_state_and_a_static_figure(cls, made):
    e = made[cls]
    page = e.embed_html()
    data = re.search(r'<script type="application/json" class="lossbook-explorer-state">(.*?)</script>', page, re.S)
    assert data and "</" not in data.group(1)
    assert json.loads(data.group(1)) == json.loads(json.dumps(e.state()))
    img = re.search(
        r'<noscript><figure class="lossbook-explorer-static"><img src="data:image/png;base64,([^"]+)" alt="([^"]+)"',
        page,
    )
    assert img and base64.b64decode(img.group(1)).startswith(b"\x89PNG") and html.unescape(img.group(2)) == e.alt
    assert html.escape(e.caption) in page
    # What the explorer adds to its page, module aside: state, data and fallback figure.
    assert len(page.encode()) < 40_000


def test_mimebundle_offers_the_widget_the_page_embed_and_text():
    bundle_ = CrossEntropyExplorer()._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"} <= set(bundle_)
    assert bundle_["text/plain"] == "CrossEntropyExplorer(q=0.5)"


def test_outlier_points_are_synced_state_and_in_the_embed():
    e = OutlierExplorer()
    assert len(e.point_list) == 15 and e.state()["point_list"] == e.point_list
    assert "point_list" in e.keys


def test_anywidget_bundle_is_one_module_without_relative_imports():
    """anywidget loads one module; tests/js/bundle.test.mjs imports this bundle in node and renders with it."""
    text = bundle()
    assert 'from "./' not in text and "export function render" in text
    assert "const N = (() => {" in text and "return { EPSILON," in text
    # One numbers.js, and every view of VIEWS (chapter 9's included) in the one module.
    assert 'import("./' not in text and text.count("return { EPSILON,") == 1
    assert "function embeddingView(c)" in text and "embedding: embeddingView," in text


def test_front_end_files_are_package_data():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "lossbook.*" in config["packages"]["find"]["include"]  # lossbook.explorers is found
    patterns = config["package-data"]["*"]
    shipped = {p.name for pattern in patterns for p in explorers.STATIC.parent.glob(pattern)}
    assert {"explorers.js", "numbers.js", "explorers.css"} <= shipped
    # (tests/test_packaging.py builds the wheel and checks that every file of the package is in it)


def test_python_format_cases_for_the_js_tests_are_current():
    """tests/js/python_formats.json holds Python's own output for the JS formatting tests."""
    cases = json.loads((ROOT / "tests" / "js" / "python_formats.json").read_text())
    for value, spec, expected in cases["format"]:
        x = float(value) if isinstance(value, str) else value
        assert format(x, spec) == expected
    for value, expected in cases["repr"]:
        assert repr(float(value) if isinstance(value, str) else float(value)) == expected or expected == "-0.0"


# -- readouts and typed numbers ---------------------------------------------------------------


def test_entropy_readout_shows_weights_their_sum_and_p_to_four_decimals():
    readout = EntropyExplorer(w1=0.02, w2=0.02, w3=0.02, w4=0.93).readout
    assert readout.startswith("weights (0.02, 0.02, 0.02, 0.93) ÷ 0.99 → p = (0.0202, 0.0202, 0.0202, 0.9394)")
    assert EntropyExplorer(w1=0, w2=0, w3=0, w4=0).readout.startswith("All weights are 0")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0.5 0.5", "your p: H(p) = 1.0000 bits = 0.6931 nats"),
        ("[1, 0]", "your p: H(p) = 0.0000 bits = 0.0000 nats"),
        ("0.5, -0.1, 0.6", "p must contain probabilities in [0, 1]; received -0.1 at index (1,)."),
        ("0.5, 0.6", "p must sum to 1 along the last axis (within 0.001); received p sums to 1.1."),
        ("1e999, 0", "p must contain only finite numbers; received inf at index (0,)."),
        ("half, half", "p must be numbers separated by commas; received 'half, half'."),
    ],
)
def test_entropy_typed(text, expected):
    assert EntropyExplorer.typed_readout(text) == expected


def test_cross_entropy_typed_uses_lossbook_and_its_messages():
    ok = CrossEntropyExplorer.typed_readout("0", "1e4, -1e4", from_logits=True)
    assert "categorical CE = 0 ·" in ok and "sparse CE = 0 ·" in ok and "H(y, q) = −0 nats" in ok
    expected = float(lossbook.binary_crossentropy([1.0, 0.0], [1e4, -1e4], from_logits=True))
    assert f"binary CE = {expected:.5g}" in ok
    assert CrossEntropyExplorer.typed_readout("3", "0.5, 0.5", from_logits=False) == (
        "labels must be class indices in [0, 1] for y_pred with 2 classes; received label 3."
    )
    assert "sparse CE: needs a hard label" in CrossEntropyExplorer.typed_readout(
        "0.3, 0.7", "0.5, 0.5", from_logits=False
    )


def test_outlier_points_readout_and_parsing():
    e = OutlierExplorer()
    assert e.points_readout(e.point_list, 20.0, 1.0) == e.readout_at(outlier=20.0, delta=1.0)
    assert parse_points("0 1; 1, 2\n2, 3.5") == [[0.0, 1.0], [1.0, 2.0], [2.0, 3.5]]
    with pytest.raises(ValueError, match=r"^points must be pairs x, y separated by semicolons; received '1, 2, 3'\.$"):
        parse_points("1, 2, 3")
    assert e.points_readout([[1.0, 2.0]], 0.0, 1.0) == "x must hold at least 2 points to fit a line; received 1 point."


def test_parse_numbers_refuses_anything_but_numbers():
    assert parse_numbers(" (1, 2e-3) ", "p") == [1.0, 0.002]
    for text in ("", "[]", "1,,a", "0x10", "nan", "inf", "1_000"):
        with pytest.raises(ValueError, match=r"^p must be numbers separated by commas; received "):
            parse_numbers(text, "p")


def test_margin_readout_at_the_kink():
    assert "hinge: 0.000, slope −1.000 (at the kink)" in MarginLossExplorer(m=1.0).readout


def test_training_race_front_end_data_is_lossbooks_data_set_and_start():
    """The page trains on exactly what lossbook.training.training_race trains on (the browser test checks the trainer)."""


# -- chapter 7: focal loss --------------------------------------------------------------------------------


def test_focal_readout_is_lossbook_focal_loss_and_gradient():
    import numpy as np

    from lossbook import gradients

    e = FocalExplorer(gamma=1.5, alpha=0.6, y=0.0, pt=0.3)
    z = -(np.log(0.3) - np.log1p(-0.3))  # label 0: p_t = 1 - sigmoid(z)
    focal = lossbook.binary_focal_crossentropy(
        [[0.0]], [[z]], gamma=1.5, alpha=0.6, apply_class_balancing=True, from_logits=True
    )
    grad = gradients.binary_focal_grad([0.0], [z], gamma=1.5, alpha=0.6, apply_class_balancing=True)[0]
    assert f"focal loss = {focal:.4g}" in e.readout
    assert f"dℓ/dz: focal = {grad:.4g}".replace("-", "\u2212") in e.readout
    # Without focusing, the focal loss is the alpha-weighted cross-entropy, (1 - alpha) * BCE for a negative.
    flat = FocalExplorer(gamma=0.0, alpha=0.6, y=0.0, pt=0.3).readout
    bce = lossbook.binary_crossentropy([[0.0]], [[z]], from_logits=True)
    assert f"focal loss = {0.4 * bce:.4g}" in flat and f"α-weighted CE = {0.4 * bce:.4g}" in flat
    assert "down-weighting (1 − p_t)^γ = 1 " in flat


def test_focal_down_weights_easy_examples_more_than_hard_ones():
    easy, hard = FocalExplorer(pt=0.95).readout, FocalExplorer(pt=0.1).readout
    factor = {
        name: float(re.search(r"\(1 − p_t\)\^γ = ([\d.e−-]+)", text).group(1).replace("−", "-"))
        for name, text in (("easy", easy), ("hard", hard))
    }
    assert factor["easy"] == pytest.approx(0.05**2, rel=1e-3) and factor["hard"] == pytest.approx(0.9**2, rel=1e-3)


@pytest.mark.parametrize(
    "labels, logits, expected",
    [
        ("1, 0.5", "1, 2", "y_true must contain labels 0 or 1 here; received 0.5."),
        ("1", "1e999", "logits must contain only finite numbers; received inf at index (0,)."),
        ("x", "1", "y_true must be numbers separated by commas; received 'x'."),
        (
            "1, 0",
            "3",
            "y_true and logits must have the same shape; received y_true.shape=(2,), logits.shape=(1,). "
            "NumPy would broadcast them to (2,).",
        ),
        (
            "1.5",
            "2",
            "y_true must contain probabilities in [0, 1]; received 1.5 at index (0,). A sigmoid output lies "
            "in [0, 1], so its targets are labels 0/1 or soft labels in between.",
        ),
        (", ".join(["1"] * 9), ", ".join(["0"] * 9), "logits must hold at most 8 examples here; received 9 examples."),
    ],
)
def test_focal_typed_input_gets_lossbook_messages(labels, logits, expected):
    assert FocalExplorer.typed_readout(labels, logits, gamma=2.0, alpha=0.25) == expected


def test_focal_typed_examples_at_extreme_logits_are_finite():
    text = FocalExplorer.typed_readout("1, 0, 1", "1e4, 1e4, -1e4", gamma=0.5, alpha=0.25)
    assert "nan" not in text and "inf" not in text
    assert "z = −10000: p_t = 0, focal = 2500, weighted CE = 2500" in text


def test_training_race_front_end_data_comes_from_the_runs():
    e = TrainingRaceExplorer(target=0.95)
    x, y = lossbook.training.make_two_blobs()
    assert e.data["x"] == x.tolist() and e.data["y"] == y.tolist()
    assert e.data["w0"] == [-5.0, -5.0] and e.data["b0"] == 0.0
    assert e.data["epochs"] == 1000 and e.data["target"] == 0.95
    # No precomputed runs: the data set and the start, about 9 KB (the 13-rate grid took 25 KB).
    assert len(json.dumps(e.data, separators=(",", ":"))) < 10_000


def test_training_race_loss_axis_holds_every_rate():
    e = TrainingRaceExplorer()
    low, high = e.data["loss_range"]
    for rate in (0.05, 0.0731, 0.42, 1.37, 5.0):
        for history in e.run(rate).values():
            assert low < history.loss.min() and history.loss.max() < high, rate


def test_training_race_readout_is_lossbooks_race():
    e = TrainingRaceExplorer(target=0.95)
    race = lossbook.training.training_race(learning_rate=0.42)
    text = e.readout_at(learning_rate=0.42)
    n_mse, n_bce = (lossbook.training.epochs_to_accuracy(race[k], 0.95) for k in ("mse", "bce"))
    assert f"epochs to 95% accuracy: squared error {n_mse}, cross-entropy {n_bce}" in text
    assert f"squared error loss {race['mse'].loss[-1]:.4f}, accuracy {race['mse'].accuracy[-1]:.1%}" in text


def test_import_lossbook_does_not_load_the_explorers():
    code = "import sys, lossbook; print('anywidget' in sys.modules, 'lossbook.explorers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_new_explorer_needs_only_a_subclass():
    class Half(Explorer):
        view = "cross_entropy"
        parameters = (Parameter("q", "q", 0.02, 1.0, 0.01, 0.5),)
        alt, caption = "a" * 90, "c" * 50

        def setup(self, fig):
            self.ax = fig.add_subplot()

        def update(self, *, q):
            return f"q = {q:.2f}"

    assert Half(q=0.3).readout == "q = 0.30"
    with pytest.raises(TypeError, match="parameters must list at least one Parameter"):
        type("Empty", (Explorer,), {"view": "x"})()


# -- prose audit: every instruction to move or type names an input the explorer has ------------------

CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
#: Words of an instruction to the reader, and what each input of an explorer is called in prose.
INSTRUCTION = re.compile(r"\b(move|moving|drag|slide|type|switch|raise|click|untick|tick|set a weight|press)\b", re.I)
STALE = re.compile(r"precomputed frames|scrubs|recomputes live|only in a live kernel|frames computed", re.I)
INPUT_WORDS = {
    "accuracy": {"slider", "w", "weight"},
    "entropy": {"weight", "weights", "distribution", "show", "sliders"},
    "cross_entropy": {"q", "label", "prediction", "logits", "show"},
    "outlier": {"outlier", "δ", "delta", "point", "points", "slider", "plot", "threshold"},
    "sigmoid_gradient": {"z", "logit", "label", "weight", "bias", "input"},
    "training_race": {"learning-rate", "η", "eta", "rate", "slider"},
    "margin": {"m", "margin", "losses"},
    "calibration": {"t", "temperature", "bins", "p", "labels", "probabilities", "predictions", "show"},
    "embedding": {
        "point",
        "points",
        "anchor",
        "positive",
        "negative",
        "negatives",
        "margin",
        "temperature",
        "τ",
        "tau",
        "n_1",
        "n_3",
        "n1",
        "n3",
        "spot",
        "coordinates",
    },
    "focal": {"γ", "gamma", "α", "alpha", "label", "labels", "logits", "p_t", "pt", "probability", "examples"},
}


def _explorer_sections():
    """(chapter, explorer kind, markdown text of the section that shows it) for every explorer cell."""
    import nbformat

    out = []
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        for k, cell in enumerate(nb.cells):
            match = re.search(r"explorers\.(\w+Explorer)\(", cell.source) if cell.cell_type == "code" else None
            if not match:
                continue
            kind = getattr(explorers, match.group(1)).view
            before = []
            for prev in reversed(nb.cells[:k]):
                if prev.cell_type != "markdown":
                    break
                before.insert(0, prev.source)
                if prev.source.lstrip().startswith("#"):
                    break
            after = []
            for nxt in nb.cells[k + 1 :]:
                if nxt.cell_type != "markdown" or nxt.source.lstrip().startswith("#"):
                    break
                after.append(nxt.source)
            out.append((path.name, kind, "\n".join(before + after)))
    return out


def test_every_chapter_with_an_explorer_is_audited():
    assert {name for name, _, _ in _explorer_sections()} == {p.name for p in CHAPTERS}


@pytest.mark.parametrize(
    "chapter, kind, text", _explorer_sections(), ids=lambda v: v if isinstance(v, str) and v.endswith("ipynb") else ""
)
def test_explorer_instructions_name_inputs_the_page_has(chapter, kind, text):
    """Each sentence asking the reader to move, type or click something names an input of that explorer,
    and no sentence describes the old frame-swapping page."""
    sentences = re.split(r"(?<=[.!?:;])\s+|\n\s*-\s+", text)
    assert not [s for s in sentences if STALE.search(s)], f"{chapter}: describes the old static explorer"
    instructions = [s for s in sentences if INSTRUCTION.search(s) and not s.lstrip().startswith("#")]
    assert instructions, f"{chapter}: no sentence tells the reader what to do with the explorer"
    words = INPUT_WORDS[kind]
    for sentence in instructions:
        tokens = set(
            re.findall(r"[\w-]+|[δη]", sentence.replace("$", " ").replace("\\delta", "δ").replace("\\eta", "η").lower())
        )
        assert tokens & words, f"{chapter}: instruction names no input of the {kind} explorer: {sentence!r}"
    # And each of those inputs exists: a parameter, or a typed field of the front end.
    front_end = "".join(p.read_text() for p in explorers.STATIC.glob("*.js"))  # views loaded lazily included
    params = {p.name for p in CLASSES_BY_VIEW[kind].parameters}
    assert params <= set(re.findall(r'c\.slider\("(\w+)"\)', front_end)) | {"y"}


CLASSES_BY_VIEW = {cls.view: cls for cls in ALL}


# -- chapter 8: the calibration explorer ------------------------------------------------------------


def test_calibration_readout_is_lossbook_at_every_temperature():
    e = CalibrationExplorer()
    logits, labels = CalibrationExplorer.dataset()
    assert e.data["logits"] == logits.tolist() and e.data["labels"] == labels.tolist()
    assert e.data["t_star"] == lossbook.fit_temperature(logits, labels)
    onehot = np.eye(3)[labels]
    for T, n_bins in ((0.25, 2), (1.0, 10), (2.5, 15), (5.0, 30)):
        probs = lossbook.temperature_scale(logits, T)
        ece = lossbook.expected_calibration_error(labels, probs, n_bins=n_bins)
        brier = float(lossbook.brier_score(onehot, probs))
        readout = e.readout_at(T=T, n_bins=n_bins)
        assert f"ECE = {ece:.4f}" in readout and f"Brier = {brier:.4f}" in readout and f"bins = {n_bins}" in readout
        # Temperature scaling never changes the predicted class.
        assert f"accuracy = {np.mean(probs.argmax(-1) == labels):.3f}" in readout
    assert e.readout_at(T=e.data["t_star"]).split(" · ")[3] < e.readout_at(T=1.0).split(" · ")[3]  # ECE falls


def test_calibration_typed_uses_lossbook_and_its_messages():
    ok = CalibrationExplorer.typed_readout("[0.9, 0.8, 0.3, 0.6]", "1 1 0 0", n_bins=5)
    assert ok == "4 predictions · accuracy = 0.750 · ECE = 0.3000 · Brier = 0.2500 · NLL = 0.4004"
    assert CalibrationExplorer.typed_readout("1", "0", n_bins=3).startswith("1 prediction ·")
    messages = {
        ("0.5, 1.5", "0, 1"): "p must contain probabilities in [0, 1]; received 1.5 at index (1,).",
        ("0.5, 0.5", "0, 1, 1"): (
            "labels must have shape y_pred.shape[:-1]=(2,), one label per sample; received labels.shape=(3,)."
        ),
        ("0.5, 0.5", "0, 0.5"): "labels must contain integer class indices; received labels containing 0.5.",
        ("0.5, 0.5", "0, -1"): "labels must be class indices in [0, 1] for y_pred with 2 classes; received label -1.",
        ("1e999", "0"): "p must contain only finite numbers; received inf at index (0,).",
        ("0.5", "yes"): "labels must be numbers separated by commas; received 'yes'.",
    }
    for (p, y), message in messages.items():
        assert CalibrationExplorer.typed_readout(p, y, n_bins=10) == message


# -- chapter 9: the embedding explorer -----------------------------------------------------------------


def test_embedding_readout_comes_from_lossbook():
    import numpy as np

    from lossbook.explorers.embedding import embedding_losses

    e = EmbeddingExplorer()
    points = [[1.0, 0.5], [1.4, 1.1], [-0.6, 1.3], [2.0, 0.3]]
    out = embedding_losses(points, 0.3, 0.5)
    a = np.array(points[0])
    cos = [float(np.dot(a, c) / (np.linalg.norm(a) * np.linalg.norm(c))) for c in np.array(points[1:])]
    np.testing.assert_allclose(out["cos"], cos, rtol=1e-12)
    triplets = [lossbook.triplet_margin_loss([points[0]], [points[1]], [n], margin=0.3) for n in points[2:]]
    assert out["triplet"] == pytest.approx(np.mean(triplets), rel=1e-12)
    logits = np.array(cos) / 0.5
    assert out["info_nce"] == pytest.approx(np.log(np.exp(logits).sum()) - logits[0], rel=1e-12)
    assert out["probabilities"][0] == pytest.approx(np.exp(-out["info_nce"]), rel=1e-12)
    text = e.points_readout(points, 0.3, 0.5)
    assert text.startswith("margin = 0.30 · τ = 0.50 · 2 negatives · cos(a, p) = ")
    assert f"InfoNCE = {out['info_nce']:.3f}" in text and "cos(a, n2)" in text and "cos(a, n3)" not in text
    # The readout follows the synced points.
    e.point_list = points
    assert e.readout_at(margin=0.3, temperature=0.5) == text


def test_embedding_points_are_synced_state_and_in_the_embed():
    e = EmbeddingExplorer()
    assert e.point_list == [list(p) for p in EmbeddingExplorer.default_points]
    assert e.state()["point_list"] == e.point_list and "point_list" in e.keys
    assert e.state()["data"] == {"limit": 2.5, "max_negatives": 6}


@pytest.mark.parametrize(
    "points, message",
    [
        (
            [[1, 0], [1, 1]],
            "points must be an anchor, a positive and 1 to 6 negatives (3 to 8 points); received 2 points.",
        ),
        ([[0, 0]] * 9, "points must be an anchor, a positive and 1 to 6 negatives (3 to 8 points); received 9 points."),
        (
            [[1, 0], [1, 1], [0, -2.6]],
            "points must lie in the plotted square, every coordinate in [-2.5, 2.5]; received -2.6 in point 3.",
        ),
    ],
)
def test_embedding_refuses_points_with_lossbooks_message(points, message):
    from lossbook.explorers.embedding import check_embedding_points

    with pytest.raises(ValueError) as info:
        check_embedding_points(points)
    assert str(info.value) == message
    assert EmbeddingExplorer().points_readout(points, 0.5, 0.2) == message


def test_embedding_zero_vector_has_cosine_zero_not_nan():
    from lossbook.explorers.embedding import embedding_losses

    out = embedding_losses([[0.0, 0.0], [1.0, 1.0], [-1.0, 0.0]], 0.0, 2.0)
    assert list(out["cos"]) == [0.0, 0.0] and out["info_nce"] == pytest.approx(math.log(2))


def test_embedding_static_figure_follows_points_and_values():
    e = EmbeddingExplorer()
    before = e.png()
    e.set(temperature=1.5)
    assert e.png() != before
    e.point_list = [[1.0, 0.5], [1.4, 1.1], [-2.0, -2.0]]
    assert "1 negative ·" in e.readout and e.png() != before
