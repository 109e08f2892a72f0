"""lossbook.widgets: explorers driven headlessly through their sliders, their static twins and mime bundles."""

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere in this module

import base64  # noqa: E402
import functools  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

import lossbook as lb  # noqa: E402
from lossbook import plots, training, widgets  # noqa: E402
from lossbook.widgets import Explorer, Parameter, format_readout  # noqa: E402

EXPLORERS = [
    widgets.AccuracyExplorer,
    widgets.EntropyExplorer,
    widgets.CrossEntropyExplorer,
    widgets.OutlierExplorer,
    widgets.SigmoidGradientExplorer,
    widgets.TrainingRaceExplorer,
    widgets.MarginLossExplorer,
]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# -- helpers -----------------------------------------------------------------------------


class TwinParser(HTMLParser):
    """Collect the tags of a twin, the text of its label and readout, and its JSON data."""

    def __init__(self):
        super().__init__()
        self.tags = []  # (tag, attrs, depth inside <label>)
        self.open = []
        self.label_text = ""
        self.output_text = ""
        self.json_text = ""
        self.script_text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs), "label" in self.open))
        if tag not in ("img", "input"):
            self.open.append(tag)
            self._attrs = dict(attrs)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"unbalanced </{tag}> in {self.open}"
        self.open.pop()

    def handle_data(self, data):
        if self.open and self.open[-1] == "label":
            self.label_text += data
        elif self.open and self.open[-1] == "output":
            self.output_text += data
        elif self.open and self.open[-1] == "script":
            if self._attrs.get("type") == "application/json":
                self.json_text += data
            else:
                self.script_text += data

    def find(self, tag, cls=None):
        return [(a, in_label) for t, a, in_label in self.tags if t == tag and (cls is None or cls in a.get("class", "").split())]


def parse_twin(page):
    parser = TwinParser()
    parser.feed(page)
    parser.close()
    assert parser.open == []
    return parser


def decode_frame(uri):
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(uri[len(prefix):])))


def offsets(collection):
    return np.asarray(collection.get_offsets()).tolist()


# -- chapter 3: cross-entropy --------------------------------------------------------------


class TestCrossEntropyExplorer:
    def test_slider_moves_markers_and_readout(self):
        explorer = widgets.CrossEntropyExplorer()
        explorer.sliders["q"].value = 0.3
        # lossbook's value, and -ln 0.3 = 1.2039728043259361 (by hand, math.log)
        loss = float(lb.categorical_crossentropy([0, 1, 0], [0.35, 0.3, 0.35]))
        assert loss == pytest.approx(1.2039728043259361, rel=1e-12)
        assert offsets(explorer.loss_point) == [[0.3, loss]]
        assert offsets(explorer.grad_point) == [[0.3, -1 / 0.3]]  # d(-log q)/dq = -1/q
        assert explorer.readout == "q = 0.30 · loss = 1.204 · gradient = −3.33"
        assert explorer.values == {"q": 0.3}
        assert "q = 0.30 · loss = 1.204 · gradient = −3.33" in explorer.widget.children[-1].value

    def test_tangent_has_the_gradient_as_slope(self):
        explorer = widgets.CrossEntropyExplorer(q=0.2)
        (x0, x1), (y0, y1) = explorer.tangent.get_data()
        assert (y1 - y0) / (x1 - x0) == pytest.approx(-5.0)  # -1/0.2
        assert (x0 + x1) / 2 == pytest.approx(0.2)

    def test_curves_are_lossbook_values(self):
        explorer = widgets.CrossEntropyExplorer()
        loss_ax, grad_ax = explorer.figure.axes
        q, loss = loss_ax.lines[0].get_data()
        rows = np.stack([(1 - q) / 2, q, (1 - q) / 2], axis=-1)
        onehot = np.tile([0.0, 1.0, 0.0], (q.size, 1))
        np.testing.assert_array_equal(loss, lb.categorical_crossentropy(onehot, rows, reduction="none"))
        np.testing.assert_allclose(loss, -np.log(q), rtol=1e-12, atol=2e-7)  # clipped at 1 - 1e-7 near q = 1
        np.testing.assert_array_equal(grad_ax.lines[0].get_ydata(), -1 / grad_ax.lines[0].get_xdata())

    def test_q_one_costs_the_clipped_minimum(self):
        explorer = widgets.CrossEntropyExplorer(q=1.0)
        # Keras clips to 1 - 1e-7: -ln(1 - 1e-7) = 1.00000005e-7.
        assert offsets(explorer.loss_point)[0][1] == pytest.approx(1.00000005e-7, rel=1e-6)
        assert explorer.readout == "q = 1.00 · loss = 0.000 · gradient = −1.00"


# -- chapter 2: entropy ------------------------------------------------------------------------


class TestEntropyExplorer:
    def test_sliders_set_bars_and_entropy(self):
        explorer = widgets.EntropyExplorer()
        for name, value in zip(["w1", "w2", "w3", "w4"], [0.2, 0.2, 0.2, 1.0]):
            explorer.sliders[name].value = value
        p = np.array([0.1, 0.1, 0.1, 0.5]) / 0.8
        np.testing.assert_allclose([bar.get_height() for bar in explorer.bars], p, rtol=1e-15)
        bits = float(lb.entropy(p, base=2))
        assert explorer.h_bar.get_height() == bits
        assert explorer.h_label.get_text() == f"{bits:.2f}"
        nats = float(lb.entropy(p))
        assert explorer.readout == f"p = (0.12, 0.12, 0.12, 0.62) · H(p) = {bits:.3f} bits = {nats:.3f} nats"

    def test_known_values(self):
        # H(0.1, 0.1, 0.1, 0.7) = 1.35678 bits (mpmath, see test_information.py); ln 2 times that in nats.
        explorer = widgets.EntropyExplorer(w1=0.1, w2=0.1, w3=0.1, w4=0.7)
        assert explorer.h_bar.get_height() == pytest.approx(1.356779649447039, rel=1e-14)
        assert explorer.readout == "p = (0.10, 0.10, 0.10, 0.70) · H(p) = 1.357 bits = 0.940 nats"

    def test_all_weights_zero(self):
        explorer = widgets.EntropyExplorer()
        explorer.set(w1=0, w2=0, w3=0, w4=0)
        assert [bar.get_height() for bar in explorer.bars] == [0, 0, 0, 0]
        assert explorer.h_bar.get_height() == 0
        assert explorer.readout == "All weights are 0: raise one to define a distribution."
        explorer.set(w3=0.5)
        assert [bar.get_height() for bar in explorer.bars] == [0, 0, 1, 0]
        assert explorer.note.get_text() == ""

    def test_twin_path_from_uniform_to_one_hot(self):
        explorer = widgets.EntropyExplorer()
        assert explorer.twin_state(0.0) == {"w1": 0.25, "w2": 0.25, "w3": 0.25, "w4": 0.25}
        assert explorer.twin_state(1.0) == {"w1": 0.0, "w2": 0.0, "w3": 0.0, "w4": 1.0}
        data = json.loads(parse_twin(explorer.twin_html()).json_text)
        # 2 bits for the uniform distribution over 4 outcomes; ln 4 = 1.386 nats.
        assert data["readouts"][0] == "t = 0.00 · p = (0.25, 0.25, 0.25, 0.25) · H(p) = 2.000 bits = 1.386 nats"
        assert data["readouts"][-1] == "t = 1.00 · p = (0.00, 0.00, 0.00, 1.00) · H(p) = 0.000 bits = 0.000 nats"
        assert data["values"][10] == "t = 0.50"
        assert explorer.values == {"w1": 0.4, "w2": 0.3, "w3": 0.2, "w4": 0.1}  # the live state is untouched


# -- chapter 1: accuracy ---------------------------------------------------------------------


class TestAccuracyExplorer:
    def test_dataset(self):
        explorer = widgets.AccuracyExplorer()
        assert explorer.x.shape == explorer.y.shape == (40,)
        assert explorer.y.sum() == 20
        again = widgets.AccuracyExplorer()
        np.testing.assert_array_equal(explorer.x, again.x)  # seeded

    def test_slider_moves_markers_and_readout(self):
        explorer = widgets.AccuracyExplorer()
        explorer.sliders["w"].value = 1.0
        x, y, b = explorer.x, explorer.y, explorer.bias
        # independent of the explorer's helpers: predict class 1 where w x + b > 0 (p > 0.5)
        accuracy = np.mean((1.0 * x + b > 0) == (y == 1))
        loss = float(lb.binary_crossentropy(y, 1.0 * x + b, from_logits=True))
        assert offsets(explorer.acc_point) == [[1.0, accuracy]]
        assert offsets(explorer.loss_point) == [[1.0, loss]]
        np.testing.assert_array_equal(explorer.w_line.get_xdata(), [1.0, 1.0])
        np.testing.assert_array_equal(explorer.curve.get_ydata(), lb.sigmoid(1.0 * explorer._xs + b))
        np.testing.assert_array_equal(explorer.boundary.get_xdata(), [-b, -b])
        wrong = (1.0 * x + b > 0) != (y == 1)
        assert len(offsets(explorer.wrong)) == wrong.sum() > 0
        slope = np.mean((lb.sigmoid(1.0 * x + b) - y) * x)  # d/dw mean BCE = mean((sigma(wx+b) - y) x)
        assert explorer.readout == format_readout(
            ("w", 1.0, ".2f"), ("accuracy", accuracy, ".3f"), ("loss", loss, ".3f"),
            ("accuracy slope", 0.0, ".3f"), ("loss slope", slope, ".3f"),
        )

    def test_loss_slope_is_the_analytic_derivative(self):
        explorer = widgets.AccuracyExplorer()
        for w in (-3.0, 0.4, 2.5):
            x, y = explorer.x, explorer.y
            analytic = np.mean((lb.sigmoid(w * x + explorer.bias) - y) * x)
            assert plots.central_difference(explorer.loss, w, h=1e-3) == pytest.approx(analytic, rel=1e-5)

    def test_accuracy_is_flat_almost_everywhere(self):
        explorer = widgets.AccuracyExplorer()
        grid = np.linspace(-4, 4, 161)
        slopes = np.array([plots.central_difference(explorer.accuracy, w, h=1e-3) for w in grid])
        assert np.mean(slopes == 0) > 0.9
        acc_ax = explorer.figure.axes[0]
        curve = acc_ax.lines[0].get_ydata()
        assert np.all(np.isin(np.round(curve * 40), np.arange(41)))  # multiples of 1/40: a step function

    def test_zero_weight_hides_the_boundary(self):
        explorer = widgets.AccuracyExplorer(w=0.0)
        assert not explorer.boundary.get_visible()
        explorer.set(w=2.0)
        assert explorer.boundary.get_visible()

    def test_bad_options(self):
        with pytest.raises(TypeError, match="bias must be a finite real number"):
            widgets.AccuracyExplorer(bias="1")
        with pytest.raises(ValueError, match="n_points must be an integer of at least 4"):
            widgets.AccuracyExplorer(n_points=2)


# -- chapter 4: one outlier, three fitted lines ---------------------------------------------------


def least_absolute_deviations(x, y):
    """The minimum of mean |y - (a x + b)| over all lines, as a linear program (scipy's HiGHS).

    Variables (a, b, t_1..t_n): minimize sum t_n subject to -t_n <= y_n - a x_n - b <= t_n.
    """
    from scipy.optimize import linprog

    n = x.size
    cost = np.concatenate([[0.0, 0.0], np.ones(n)])
    design = np.column_stack([x, np.ones(n)])
    upper = np.block([[-design, -np.eye(n)], [design, -np.eye(n)]])
    bounds = [(None, None), (None, None)] + [(0, None)] * n
    result = linprog(cost, A_ub=upper, b_ub=np.concatenate([-y, y]), bounds=bounds, method="highs")
    assert result.status == 0
    return result.fun / n


class TestOutlierExplorer:
    def line(self, explorer, name):
        """Slope and intercept of a fitted line, read back from the artist's data."""
        (x0, x1), (y0, y1) = explorer.lines[name].get_data()
        slope = (y1 - y0) / (x1 - x0)
        return slope, y0 - slope * x0

    def test_dataset(self):
        explorer = widgets.OutlierExplorer()
        assert explorer.x.shape == explorer.y.shape == (15,)
        np.testing.assert_array_equal(explorer.x, np.linspace(0, 10, 15))
        assert explorer.y[-1] == 1 + 0.5 * 10  # the outlier's base: on the true line y = 1 + x/2
        np.testing.assert_array_equal(widgets.OutlierExplorer().y, explorer.y)  # seeded
        y = explorer.targets(7.5)
        np.testing.assert_array_equal(y[:-1], explorer.y[:-1])
        assert y[-1] == 6.0 + 7.5
        assert explorer.targets(np.array([0.0, 2.0])).shape == (2, 15)

    def test_mse_line_is_least_squares(self):
        explorer = widgets.OutlierExplorer()
        explorer.sliders["outlier"].value = 7.5
        y = explorer.targets(7.5)
        slope, intercept = np.polyfit(explorer.x, y, 1)
        np.testing.assert_allclose(self.line(explorer, "MSE"), (slope, intercept), rtol=1e-12)
        (lstsq, *_), = [np.linalg.lstsq(np.column_stack([explorer.x, np.ones(15)]), y, rcond=None)]
        np.testing.assert_allclose((slope, intercept), lstsq, rtol=1e-10)

    @pytest.mark.parametrize("outlier", [0.0, 3.5, 20.0])
    def test_mae_line_is_the_exact_minimum(self, outlier):
        explorer = widgets.OutlierExplorer(outlier=outlier)
        y = explorer.targets(outlier)
        mae = {}
        for name in ("MSE", "MAE", "Huber"):
            slope, intercept = explorer.fits(outlier, 1.0)[name]
            mae[name] = float(lb.mean_absolute_error(y, slope * explorer.x + intercept))
        assert mae["MAE"] <= mae["MSE"] and mae["MAE"] <= mae["Huber"]
        assert mae["MAE"] == pytest.approx(least_absolute_deviations(explorer.x, y), rel=1e-9)

    def test_mae_line_ignores_how_far_the_outlier_is(self):
        explorer = widgets.OutlierExplorer()
        lines = {explorer.fits(h, 1.0)["MAE"] for h in (2.0, 5.0, 10.0, 20.0)}
        assert len(lines) == 1
        mse_slopes = [explorer.fits(h, 1.0)["MSE"][0] for h in (5.0, 10.0, 20.0)]
        assert mse_slopes[0] < mse_slopes[1] < mse_slopes[2]
        # least squares is linear in y: the slope grows by (x_n - mean x) / sum (x - mean x)^2 per unit of height
        x = explorer.x
        assert mse_slopes[2] - mse_slopes[1] == pytest.approx(10 * (x[-1] - x.mean()) / np.sum((x - x.mean()) ** 2), rel=1e-9)

    @pytest.mark.parametrize(("outlier", "delta"), [(0.0, 1.0), (10.0, 0.2), (12.5, 2.0), (20.0, 5.0)])
    def test_huber_line_is_the_minimum(self, outlier, delta):
        from scipy.optimize import minimize

        explorer = widgets.OutlierExplorer()
        x, y = explorer.x, explorer.targets(outlier)
        fits = explorer.fits(outlier, delta)
        slope, intercept = fits["Huber"]
        # first-order condition of a convex loss: the gradient (from lossbook.huber_grad) vanishes
        gradient = lb.huber_grad(y, slope * x + intercept, delta=delta)
        np.testing.assert_allclose([gradient @ x, gradient.sum()], [0, 0], atol=1e-8)
        huber = {name: float(lb.huber(y, a * x + b, delta=delta)) for name, (a, b) in fits.items()}
        assert huber["Huber"] <= min(huber["MSE"], huber["MAE"])
        best = minimize(lambda t: float(lb.huber(y, t[0] * x + t[1], delta=delta)), fits["MSE"], method="Nelder-Mead",
                        options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 5000})
        assert huber["Huber"] <= best.fun + 1e-12

    def test_huber_with_a_large_delta_is_least_squares(self):
        explorer = widgets.OutlierExplorer()
        fits = explorer.fits(1.0, 5.0)  # every residual is below 5: the Huber loss is half the squared error
        np.testing.assert_allclose(fits["Huber"], fits["MSE"], rtol=1e-9)

    def test_huber_curve_is_cached_and_matches_single_fits(self):
        explorer = widgets.OutlierExplorer()
        slopes, intercepts = explorer.huber_curve(0.5)
        assert explorer.huber_curve(0.5)[0] is slopes
        for k in (0, 17, 40):
            y = explorer.targets(explorer.curve_grid[k])
            cold = explorer.fit_huber(y, 0.5)  # from the least-squares line
            np.testing.assert_allclose((slopes[k], intercepts[k]), cold, rtol=1e-8)

    def test_sliders_move_lines_markers_and_readout(self):
        explorer = widgets.OutlierExplorer()
        figure = explorer.figure
        explorer.sliders["outlier"].value = 12.5
        explorer.sliders["delta"].value = 2.0
        assert explorer.figure is figure
        x, y = explorer.x, explorer.targets(12.5)
        assert offsets(explorer.outlier_point) == [[10.0, 6.0 + 12.5]]
        np.testing.assert_array_equal(explorer.huber_slopes.get_ydata(), explorer.huber_curve(2.0)[0])
        items = [("outlier", 12.5, ".1f"), ("δ", 2.0, ".1f")]
        losses = {"MSE": lb.mean_squared_error, "MAE": lb.mean_absolute_error, "Huber": functools.partial(lb.huber, delta=2.0)}
        for name, loss in losses.items():
            slope, intercept = explorer.fits(12.5, 2.0)[name]
            np.testing.assert_allclose(self.line(explorer, name), (slope, intercept), rtol=1e-12, atol=1e-12)
            assert offsets(explorer.slope_points[name]) == [[12.5, slope]]
            value = float(loss(y, slope * x + intercept))
            sign = "−" if intercept < 0 else "+"
            items.append(f"{name} fit: y = {slope:.2f}x {sign} {abs(intercept):.2f}, {name} = {value:.3f}".replace("-", "−"))
        assert explorer.readout == format_readout(*items)

    def test_twin_steps_the_outlier_at_the_default_delta(self):
        explorer = widgets.OutlierExplorer(delta=3.0)
        data = json.loads(parse_twin(explorer.twin_html()).json_text)
        assert len(data["frames"]) == 21
        assert data["values"][0] == "outlier = 0.0" and data["values"][-1] == "outlier = 20.0"
        assert data["readouts"][20] == widgets.OutlierExplorer(outlier=20.0).readout
        assert explorer.values == {"outlier": 10.0, "delta": 3.0}

    def test_bad_options(self):
        with pytest.raises(ValueError, match="n_points must be an integer of at least 4"):
            widgets.OutlierExplorer(n_points=3)
        with pytest.raises(ValueError, match="noise must be"):
            widgets.OutlierExplorer(noise=0.0)


# -- chapter 5: squared error and cross-entropy of a sigmoid output ---------------------------------


class TestSigmoidGradientExplorer:
    @pytest.mark.parametrize("y", [1.0, 0.0])
    def test_curves_are_lossbook_values(self, y):
        explorer = widgets.SigmoidGradientExplorer(y=y)
        z = explorer.loss_lines[0].get_xdata()
        labels = np.full((z.size, 1), y)
        squared = lb.mean_squared_error(labels, lb.sigmoid(z)[:, None], reduction="none")
        cross = lb.binary_crossentropy(labels, z[:, None], from_logits=True, reduction="none")
        np.testing.assert_array_equal(explorer.loss_lines[0].get_ydata(), squared)
        np.testing.assert_array_equal(explorer.loss_lines[1].get_ydata(), cross)
        np.testing.assert_array_equal(explorer.grad_lines[0].get_ydata(), lb.sigmoid_mse_grad(labels[:, 0], z))
        np.testing.assert_array_equal(explorer.grad_lines[1].get_ydata(), lb.sigmoid_bce_grad(labels[:, 0], z))
        # by hand: (sigma(z) - y)^2 and log(1 + e^-z) (y = 1) or log(1 + e^z) (y = 0)
        sigma = 1 / (1 + np.exp(-z))
        np.testing.assert_allclose(squared, (sigma - y) ** 2, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(cross, np.log1p(np.exp(-z if y == 1 else z)), rtol=1e-12)

    def test_label_slider_redraws_the_curves(self):
        explorer = widgets.SigmoidGradientExplorer()
        figure = explorer.figure
        before = explorer.grad_lines[0].get_ydata().copy()
        explorer.sliders["y"].value = 0
        assert explorer.figure is figure
        np.testing.assert_allclose(explorer.grad_lines[0].get_ydata(), -before[::-1], atol=1e-15)  # g_0(z) = -g_1(-z)
        assert explorer.readout.startswith("z = −4.0 · y = 0 · ")

    def test_slider_moves_markers_and_readout(self):
        explorer = widgets.SigmoidGradientExplorer()
        explorer.sliders["z"].value = -6.0
        squared = float(lb.mean_squared_error([1.0], [lb.sigmoid(-6.0)]))
        cross = float(lb.binary_crossentropy([1.0], [-6.0], from_logits=True))
        g_mse, g_bce = float(lb.sigmoid_mse_grad(1.0, -6.0)), float(lb.sigmoid_bce_grad(1.0, -6.0))
        assert [offsets(p) for p in explorer.loss_points] == [[[-6.0, squared]], [[-6.0, cross]]]
        assert [offsets(p) for p in explorer.grad_points] == [[[-6.0, g_mse]], [[-6.0, g_bce]]]
        np.testing.assert_array_equal(explorer.z_lines[0].get_xdata(), [-6.0, -6.0])
        sigma = 1 / (1 + np.exp(6.0))
        assert g_bce / g_mse == pytest.approx(1 / (2 * sigma * (1 - sigma)), rel=1e-12)  # the ratio, by hand
        assert explorer.readout == format_readout(
            ("z", -6.0, ".1f"), ("y", 1, ".0f"), ("σ(z)", float(lb.sigmoid(-6.0)), "#.4g"),
            ("squared error", squared, "#.4g"), ("cross-entropy", cross, "#.4g"),
            ("d(squared error)/dz", g_mse, "#.4g"), ("d(cross-entropy)/dz", g_bce, "#.4g"),
            f"gradient ratio = {g_bce / g_mse:,.1f}",
        )

    def test_confidently_wrong(self):
        # lossbook.sigmoid_mse_grad's docstring: -9.079e-05 at y = 1, z = -10; sigma(-10) - 1 = -0.9999546
        explorer = widgets.SigmoidGradientExplorer(z=-10.0)
        assert "d(squared error)/dz = −9.079e−05" in explorer.readout
        assert "d(cross-entropy)/dz = −1.000" in explorer.readout
        assert "gradient ratio = 11,014.2" in explorer.readout  # 1 / (2 sigma(-10) sigma(10)) = 11014.23

    def test_twin_steps_z_with_label_one(self):
        explorer = widgets.SigmoidGradientExplorer(y=0.0)
        data = json.loads(parse_twin(explorer.twin_html()).json_text)
        assert len(data["frames"]) == 21
        assert data["values"][0] == "z = −10.0" and data["values"][20] == "z = 10.0"
        assert data["readouts"][3] == widgets.SigmoidGradientExplorer(z=-7.0).readout
        assert explorer.values == {"z": -4.0, "y": 0.0}
        assert explorer.readout.startswith("z = −4.0 · y = 0")


# -- chapter 5: the training race ------------------------------------------------------------------


@pytest.fixture(scope="module")
def race_explorer():
    """One TrainingRaceExplorer for the module's tests (each sets the learning rate it needs)."""
    return widgets.TrainingRaceExplorer()


class TestTrainingRaceExplorer:
    RATES = (0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)

    @pytest.fixture
    def explorer(self, race_explorer):
        return race_explorer

    def test_runs_are_training_race(self, explorer):
        assert tuple(explorer.runs) == self.RATES
        race = training.training_race(learning_rate=2.0, epochs=1000)
        for key in ("mse", "bce"):
            cached = explorer.runs[2.0][key]
            np.testing.assert_array_equal(cached.loss, race[key].loss)
            np.testing.assert_array_equal(cached.accuracy, race[key].accuracy)
            np.testing.assert_array_equal(cached.w, race[key].w)
            assert cached.output.shape == (0, 200)  # the per-sample outputs are dropped

    @pytest.mark.parametrize("rate", [0.1, 0.5, 2.0])
    def test_slider_swaps_lines_and_readout(self, explorer, rate):
        figure = explorer.figure
        explorer.sliders["learning_rate"].value = rate
        assert explorer.figure is figure
        race = training.training_race(learning_rate=rate, epochs=1000)
        texts = []
        for k, key in enumerate(("mse", "bce")):
            np.testing.assert_array_equal(explorer.loss_lines[k].get_ydata(), race[key].loss)
            np.testing.assert_array_equal(explorer.accuracy_lines[k].get_ydata(), race[key].accuracy)
            reached = training.epochs_to_accuracy(race[key], 0.9)
            assert explorer.reached[k].get_visible() == (reached is not None)
            if reached is not None:
                assert offsets(explorer.reached[k]) == [[reached, race[key].accuracy[reached]]]
            texts.append(reached)
        name = {"mse": "squared error", "bce": "cross-entropy"}
        shown = [f"{name[key]} {n}" if n is not None else f"{name[key]} not within 1000" for key, n in zip(("mse", "bce"), texts)]
        assert explorer.readout.startswith(f"η = {rate:g} · epochs to 90% accuracy: {shown[0]}, {shown[1]} · after 1000 epochs: ")
        final = race["mse"]
        assert f"squared error loss {final.loss[-1]:.4f}, accuracy {final.accuracy[-1]:.1%}" in explorer.readout

    def test_chapter_five_numbers(self, explorer):
        # lossbook.training.training_race's docstring: at the defaults (rate 0.5, 1000 epochs), 95% accuracy
        # after 12 epochs with cross-entropy and 840 with the squared error; 90%: 826 and 12 (computed above).
        explorer.set(learning_rate=0.5)
        assert "epochs to 90% accuracy: squared error 826, cross-entropy 12" in explorer.readout
        at_95 = widgets.TrainingRaceExplorer(target=0.95)
        assert at_95.runs is explorer.runs  # cached: not computed again
        assert "epochs to 95% accuracy: squared error 840, cross-entropy 12" in at_95.readout

    def test_cross_entropy_always_gets_there(self, explorer):
        # the docstring's claim: every rate reaches 90% with cross-entropy, within about a hundred epochs
        reached = [training.epochs_to_accuracy(run["bce"], 0.9) for run in explorer.runs.values()]
        assert all(n is not None and n <= 120 for n in reached)
        assert reached == sorted(reached, reverse=True)  # a larger step, sooner

    def test_updates_do_not_train(self, explorer, monkeypatch):
        monkeypatch.setattr(training, "train_logistic", lambda *a, **k: pytest.fail("trained during an update"))
        for rate in self.RATES:
            explorer.set(learning_rate=rate)
        assert explorer.readout.startswith("η = 5 · ")

    def test_only_the_slider_values(self, explorer):
        with pytest.raises(ValueError, match="learning_rate must be one of 0.05, 0.075, 0.1, .*, 5; received learning_rate=0.4"):
            explorer.set(learning_rate=0.4)
        explorer.set(learning_rate=0.3 + 1e-12)  # a value a front end may send for 0.3
        assert explorer.values["learning_rate"] == 0.3
        slider = explorer.sliders["learning_rate"]
        assert slider.value == 0.3 and slider.label == "0.3"
        assert [label for label, _ in slider.options][:3] == ["0.05", "0.075", "0.1"]

    def test_twin_steps_the_learning_rates(self, explorer):
        data = json.loads(parse_twin(explorer.twin_html()).json_text)
        assert len(data["frames"]) == 13
        assert data["values"][0] == "η = 0.05" and data["values"][6] == "η = 0.5" and data["values"][-1] == "η = 5"
        assert data["readouts"][-1].startswith("η = 5 · epochs to 90% accuracy: squared error 85, cross-entropy 2")

    def test_bad_options(self):
        with pytest.raises(ValueError, match="epochs must be an integer of at least 10"):
            widgets.TrainingRaceExplorer(epochs=5)
        with pytest.raises(ValueError, match=r"target must be an accuracy in \(0, 1\]"):
            widgets.TrainingRaceExplorer(target=90)


# -- chapter 6: the loss zoo over the margin ---------------------------------------------------------


class TestMarginLossExplorer:
    NAMES = ["0-1", "hinge", "squared hinge", "logistic / ln 2", "exponential"]

    def test_curves_are_lossbook_values(self):
        explorer = widgets.MarginLossExplorer()
        loss_ax, grad_ax = explorer.figure.axes
        m = loss_ax.lines[0].get_xdata()
        ones, scores = np.ones((m.size, 1)), m[:, None]
        expected = [
            1 - plots.binary_accuracy(ones, lb.sigmoid(scores)),
            lb.hinge(ones, scores, reduction="none"),
            lb.squared_hinge(ones, scores, reduction="none"),
            lb.binary_crossentropy(ones, scores, from_logits=True, reduction="none") / np.log(2),
            lb.exponential_loss(ones, scores, reduction="none"),
        ]
        for line, values in zip(loss_ax.lines[:5], expected):
            np.testing.assert_array_equal(line.get_ydata(), values)
        # by hand: [m <= 0], max(0, 1 - m), its square, log2(1 + e^-m), e^-m
        np.testing.assert_array_equal(expected[0], (m <= 0).astype(float))
        np.testing.assert_allclose(expected[1], np.maximum(0, 1 - m), atol=1e-15)
        np.testing.assert_allclose(expected[3], np.log1p(np.exp(-m)) / np.log(2), rtol=1e-12)
        np.testing.assert_allclose(expected[4], np.exp(-m), rtol=1e-12)
        gradients = [np.zeros_like(m), plots.hinge_margin_grad(m), plots.squared_hinge_margin_grad(m),
                     lb.sigmoid_bce_grad(np.ones_like(m), m) / np.log(2), plots.exponential_margin_grad(m)]
        for line, values in zip(grad_ax.lines[:5], gradients):
            np.testing.assert_array_equal(line.get_ydata(), values)
        assert [line.get_label() for line in loss_ax.lines[:5]] == self.NAMES

    def test_gradients_are_slopes_of_the_plotted_losses(self):
        explorer = widgets.MarginLossExplorer()
        m = np.array([-2.5, -1.0, -0.3, 0.4, 0.9, 1.3, 2.7])  # away from the kinks at 0 (0-1) and 1 (hinge)
        h = 1e-6
        numeric = (np.array(explorer.losses(m + h)) - np.array(explorer.losses(m - h))) / (2 * h)
        np.testing.assert_allclose(np.array(explorer.gradients(m)), numeric, rtol=1e-6, atol=1e-8)

    def test_surrogates_bound_the_zero_one_loss(self):
        m = np.linspace(-3, 3, 601)
        zero_one, *surrogates = widgets.MarginLossExplorer.losses(m)
        for values in surrogates:
            assert np.all(values >= zero_one - 1e-12)
        for values in widgets.MarginLossExplorer.losses(0.0)[1:]:
            assert values[0] == pytest.approx(1.0, rel=1e-12)  # all pass through 1 at m = 0 (logistic: in bits)

    def test_slider_moves_markers_and_readout(self):
        explorer = widgets.MarginLossExplorer()
        explorer.sliders["m"].value = -1.5
        losses = [float(v[0]) for v in explorer.losses(-1.5)]
        grads = [float(g[0]) for g in explorer.gradients(-1.5)]
        assert offsets(explorer.loss_points) == [[-1.5, v] for v in losses]
        assert offsets(explorer.grad_points) == [[-1.5, g] for g in grads]
        np.testing.assert_array_equal(explorer.m_lines[1].get_xdata(), [-1.5, -1.5])
        # by hand at m = -1.5: hinge 2.5, squared hinge 6.25 (slope -5), exponential e^1.5 = 4.4817
        assert explorer.readout == (
            "m = −1.50 · 0-1: 1, slope 0 · hinge: 2.500, slope −1.000 · squared hinge: 6.250, slope −5.000 · "
            f"logistic / ln 2: {losses[3]:.3f}, slope −{-grads[3]:.3f} · exponential: 4.482, slope −4.482"
        )
        assert losses[3] == pytest.approx(np.log2(1 + np.exp(1.5)), rel=1e-12)

    def test_markers_beyond_the_axes_are_clipped(self):
        explorer = widgets.MarginLossExplorer(m=-3.0)
        assert explorer.loss_points.get_clip_on() and explorer.grad_points.get_clip_on()
        assert "squared hinge: 16.000, slope −8.000" in explorer.readout
        assert "exponential: 20.086, slope −20.086" in explorer.readout  # e^3 = 20.0855

    def test_kinks_and_jumps_in_the_readout(self):
        assert "0-1: 1, slope undefined (a jump)" in widgets.MarginLossExplorer(m=0.0).readout
        readout = widgets.MarginLossExplorer(m=1.0).readout
        assert "hinge: 0.000, slope −1.000 (at the kink)" in readout
        assert "squared hinge: 0.000, slope 0.000 ·" in readout

    def test_twin_steps_the_margin(self):
        explorer = widgets.MarginLossExplorer()
        data = json.loads(parse_twin(explorer.twin_html()).json_text)
        assert len(data["frames"]) == 25
        assert data["values"][0] == "m = −3.00" and data["values"][14] == "m = 0.50"
        assert data["readouts"][14] == explorer.readout


# -- what every explorer does -------------------------------------------------------------------


@pytest.mark.parametrize("cls", EXPLORERS)
class TestEveryExplorer:
    def test_updates_reuse_one_figure_and_draw_it_once(self, cls, monkeypatch):
        explorer = cls()
        figure = explorer.figure
        draws = []
        monkeypatch.setattr(figure.canvas, "draw", lambda: draws.append(1))
        fignums = plt.get_fignums()
        p = explorer.parameters[0]
        slider = explorer.sliders[p.name]
        images = set()
        for value in np.linspace(p.min, p.max, 7) if p.values is None else p.values[::2][:7]:
            slider.value = value
            assert explorer.figure is figure
            images.add(explorer.widget.children[-2].value)
        assert plt.get_fignums() == fignums
        assert len(draws) <= 1  # the background is drawn once; later changes are blitted
        assert len(images) == 7

    def test_live_image_and_readout(self, cls):
        explorer = cls()
        image, readout = explorer.widget.children[-2:]
        # a small palette PNG first (it is stored in executed notebooks), JPEG once a slider moves
        assert image.format == "png" and Image.open(io.BytesIO(image.value)).mode == "P"
        assert len(image.value) < 20_000
        explorer.set(**{explorer.parameters[0].name: explorer.parameters[0].max})
        assert image.format == "jpeg" and image.value[:2] == b"\xff\xd8"
        width, height = explorer.figure.canvas.get_width_height()
        assert Image.open(io.BytesIO(image.value)).size == (width, height)
        assert explorer.readout.replace("·", "&middot;").split()[0] in readout.value

    def test_set_moves_the_sliders(self, cls):
        explorer = cls()
        p = explorer.parameters[-1]
        slider = explorer.sliders[p.name]
        explorer.set(**{p.name: p.max})
        assert slider.value == p.max == explorer.values[p.name]

    def test_bad_values(self, cls):
        explorer = cls()
        with pytest.raises(TypeError, match="parameter name must be one of"):
            explorer.set(nope=1.0)
        p = explorer.parameters[0]
        with pytest.raises(ValueError, match=f"{p.name} must lie in"):
            explorer.set(**{p.name: p.max + 1})
        with pytest.raises(TypeError, match=f"{p.name} must be a real number"):
            cls(**{p.name: "0.5"})

    def test_figure_style(self, cls):
        explorer = cls()
        fig = explorer.figure
        assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
        for text in fig.findobj(Text):
            if text.get_text() and text.get_visible():
                assert text.get_fontsize() >= 10, text.get_text()
        for ax in fig.axes:
            assert ax.get_ylabel()
            if ax.xaxis.get_visible():
                assert ax.get_xlabel()

    def test_twin_contract(self, cls):
        explorer = cls()
        page = explorer.twin_html()
        n = len(explorer._twin_grid())
        p = explorer._twin_parameter()
        assert 20 <= n <= 30 if p.values is None else n == len(p.values) >= 10
        assert "http" not in page.lower()
        assert len(page.encode()) <= 500_000  # the book's budget per explorer
        twin = parse_twin(page)
        (figure, _), = twin.find("figure", "lossbook-twin")
        assert figure["id"].startswith("lossbook-twin-")
        (img, _), = twin.find("img", "lossbook-twin-frame")
        assert len(img["alt"]) > 40
        (slider, in_label), = twin.find("input", "lossbook-twin-slider")
        assert in_label
        assert (slider["type"], slider["min"], slider["max"], slider["step"]) == ("range", "0", str(n - 1), "1")
        k = int(slider["value"])
        assert twin.label_text.strip() == explorer._twin_parameter().label
        assert len(twin.find("output", "lossbook-twin-readout")) == 1
        assert len(twin.find("figcaption")) == 1
        data = json.loads(twin.json_text)
        assert len(data["frames"]) == len(data["readouts"]) == len(data["values"]) == n
        assert len(set(data["frames"])) == n
        assert img["src"] == data["frames"][k]
        assert twin.output_text == data["readouts"][k]
        assert slider["aria-valuetext"] == data["values"][k]
        assert figure["id"] in twin.script_text and '"input"' in twin.script_text
        width, height = explorer.figure.canvas.get_width_height()
        frame = decode_frame(data["frames"][0])
        assert frame.size == (width, height) and frame.mode == "P"
        assert frame.convert("RGB").getpixel((0, 0)) == (255, 255, 255)  # white: readable in dark mode

    def test_twin_starts_at_the_default(self, cls):
        explorer = cls()
        p = explorer._twin_parameter()
        (slider, _), = parse_twin(explorer.twin_html()).find("input", "lossbook-twin-slider")
        assert explorer.twin_values[int(slider["value"])] == pytest.approx(p.default)

    def test_twin_is_lazy_and_leaves_the_live_state(self, cls, monkeypatch):
        encoded = []
        real = widgets._data_uri
        monkeypatch.setattr(widgets, "_data_uri", lambda png: encoded.append(1) or real(png))
        explorer = cls()
        explorer.set(**{explorer.parameters[0].name: explorer.parameters[0].max})
        assert encoded == []
        before = (explorer.readout, explorer.png())
        first = explorer.twin_html()
        assert len(encoded) == len(explorer.twin_values)
        assert (explorer.readout, explorer.png()) == before
        second = explorer.twin_html()
        assert len(encoded) == len(explorer.twin_values)  # frames are rendered once
        assert parse_twin(first).find("figure")[0][0]["id"] != parse_twin(second).find("figure")[0][0]["id"]

    def test_mimebundle(self, cls):
        explorer = cls()
        bundle = explorer._repr_mimebundle_()
        assert set(bundle) == {WIDGET_VIEW, "text/html", "text/plain"}
        assert bundle[WIDGET_VIEW]["model_id"] == explorer.widget.model_id
        assert bundle["text/html"].startswith('<figure class="lossbook-twin"')
        assert bundle["text/plain"] == repr(explorer)
        assert repr(explorer).startswith(f"{cls.__name__}({explorer.parameters[0].name}=")
        assert set(explorer._repr_mimebundle_(include={"text/plain"})) == {"text/plain"}
        assert set(explorer._repr_mimebundle_(exclude={"text/html"})) == {WIDGET_VIEW, "text/plain"}


# -- the base class ----------------------------------------------------------------------------


class Square(Explorer):
    """A two-parameter explorer with the default twin grid."""

    parameters = (
        Parameter("a", "Slope a", 0.0, 2.0, 0.1, 1.0),
        Parameter("c", "Offset c", -1.0, 1.0, 0.1, 0.5),
    )
    alt = "A line c + a x for x from 0 to 1, with a marker at x = 1."

    def setup(self, fig):
        ax = fig.add_subplot()
        plots.style_axes(ax, xlabel="x", ylabel="y", xlim=(0, 1), ylim=(-1, 3))
        self.line = self.animate(ax.plot([0, 1], [0, 0])[0])
        self.point = self.animate(plots.marker(ax, 1, 0))
        self.calls = []

    def update(self, *, a, c):
        self.calls.append((a, c))
        self.line.set_ydata([c, c + a])
        self.point.set_offsets([[1, c + a]])
        return format_readout(("a", a, ".1f"), ("c", c, ".1f"))


class TestBase:
    def test_default_twin_grid_varies_the_first_parameter(self):
        explorer = Square()
        data = json.loads(parse_twin(explorer.twin_html()).json_text)
        assert len(data["frames"]) == 25
        assert data["readouts"][0] == "a = 0.0 · c = 0.5" and data["readouts"][-1] == "a = 2.0 · c = 0.5"
        assert data["values"][12] == "a = 1.00"
        assert explorer.calls[-1] == (1.0, 0.5)  # restored to the live state

    def test_initial_values(self):
        explorer = Square(c=-0.5)
        assert explorer.values == {"a": 1.0, "c": -0.5}
        assert explorer.readout == "a = 1.0 · c = −0.5"
        assert repr(explorer) == "Square(a=1, c=-0.5)"

    def test_invalidate_redraws_the_background(self):
        explorer = Square()
        before = explorer.png()
        explorer.figure.axes[0].set_xlabel("another label")  # not animated
        assert explorer.png() == before  # still the cached background
        explorer.invalidate()
        assert explorer.png() != before

    def test_subclass_must_draw_and_update(self):
        class Empty(Explorer):
            pass

        with pytest.raises(TypeError, match="Empty.parameters must list at least one Parameter"):
            Empty()

        class NoSetup(Explorer):
            parameters = (Parameter("a", "a", 0.0, 1.0, 0.1, 0.5),)

        with pytest.raises(NotImplementedError, match="must define setup"):
            NoSetup()

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"name": "not an identifier"}, TypeError, "name must be a Python identifier"),
            ({"label": " "}, TypeError, "label must be a non-empty string"),
            ({"min": 1.0}, ValueError, "min must be less than max"),
            ({"step": 0.0}, ValueError, "step must be positive"),
            ({"default": "0.5"}, TypeError, "default must be a real number"),
            ({"max": float("inf")}, ValueError, "max must be finite"),
        ],
    )
    def test_parameter_validation(self, kwargs, error, match):
        args = {"name": "q", "label": "q", "min": 0.0, "max": 1.0, "step": 0.1, "default": 0.5, **kwargs}
        with pytest.raises(error, match=match):
            Parameter(**args)

    def test_choice_parameter(self):
        p = Parameter.choice("eta", "Learning rate", [0.1, 0.3, 1], 0.3)
        assert (p.min, p.max, p.step, p.values, p.fmt) == (0.1, 1.0, pytest.approx(0.2), (0.1, 0.3, 1.0), "g")
        assert p.snap(0.25) == 0.3 and p.snap(7) == 1.0
        assert Parameter("a", "a", 0.0, 1.0, 0.1, 0.5).snap(0.27) == 0.27
        with pytest.raises(ValueError, match="default must be one of values"):
            Parameter.choice("eta", "Learning rate", [0.1, 0.3, 1], 0.2)
        with pytest.raises(ValueError, match="values must list at least two numbers in increasing order"):
            Parameter.choice("eta", "Learning rate", [0.3, 0.1], 0.3)
        with pytest.raises(TypeError, match="values must be a sequence of real numbers"):
            Parameter.choice("eta", "Learning rate", None, 0.3)
        with pytest.raises(TypeError, match="values must be a tuple from min to max"):
            Parameter("eta", "Learning rate", 0.1, 1.0, 0.1, 0.3, values=(0.3, 1.0))

    def test_choice_parameter_default_twin_grid(self):
        class Rates(Square):
            parameters = (Parameter.choice("a", "Slope a", (0.5, 1.0, 2.0), 1.0), Square.parameters[1])

        explorer = Rates()
        assert explorer.sliders["a"].value == 1.0
        explorer.sliders["a"].value = 2.0
        assert explorer.calls[-1] == (2.0, 0.5)
        data = json.loads(parse_twin(explorer.twin_html()).json_text)
        assert data["values"] == ["a = 0.5", "a = 1", "a = 2"]

    def test_readout_uses_a_true_minus(self):
        assert format_readout(("g", -2, ".2f"), "note") == "g = \u22122.00 · note"


class TestDataUri:
    def test_base64_never_spells_http(self):
        png = widgets.CrossEntropyExplorer().png()
        # 33 bytes of header encode to 44 base64 characters exactly, so these bytes encode to "http":
        poisoned = png[:33] + base64.b64decode("httpHTTP") + png[33:]
        assert "http" in base64.b64encode(poisoned).decode()
        uri = widgets._data_uri(poisoned)
        assert "http" not in uri.lower()
        assert base64.b64decode(uri.split(",", 1)[1]).endswith(poisoned[33:])

    def test_comment_chunk_keeps_a_valid_png(self):
        png = widgets.CrossEntropyExplorer().png()
        image = Image.open(io.BytesIO(widgets._png_with_comment(png, "lossbook...")))
        image.load()  # checks the chunk CRCs
        assert image.info["Comment"] == "lossbook..."


def test_no_pyplot_and_a_light_core():
    # In a fresh interpreter: `import lossbook` imports no matplotlib, and explorers
    # (live widget and twin) never import pyplot, so the inline backend shows nothing twice.
    code = (
        "import sys, lossbook\n"
        "assert 'matplotlib' not in sys.modules, 'import lossbook imported matplotlib'\n"
        "from lossbook import widgets\n"
        "e = widgets.CrossEntropyExplorer()\n"
        "e._repr_mimebundle_()\n"
        "e.sliders['q'].value = 0.3\n"
        "for name in widgets.__all__:\n"
        "    cls = getattr(widgets, name)\n"
        "    if name.endswith('Explorer') and name != 'Explorer':\n"
        "        p = cls.parameters[0]\n"
        "        cls().sliders[p.name].value = p.max\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'widgets imported pyplot'\n"
    )
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_every_explorer_is_tested():
    # Each explorer in widgets.__all__ runs the shared checks of TestEveryExplorer.
    names = {name for name in widgets.__all__ if name.endswith("Explorer") and name != "Explorer"}
    assert names == {cls.__name__ for cls in EXPLORERS}
