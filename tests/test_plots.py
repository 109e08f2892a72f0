"""lossbook.plots: the book's figure style, drawing helpers, and the small numeric helpers figures use."""

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere in this module

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import lossbook as lb  # noqa: E402
from lossbook import plots  # noqa: E402


class TestStyle:
    def test_text_is_at_least_10_points(self):
        sizes = [plots.RC[key] for key in plots.RC if key.endswith("size")]
        assert sizes and min(sizes) >= 10

    def test_white_background(self):
        for key in ("figure.facecolor", "axes.facecolor", "savefig.facecolor"):
            assert to_rgba(plots.RC[key]) == (1.0, 1.0, 1.0, 1.0)

    def test_palette_is_okabe_ito(self):
        # Okabe and Ito, "Color Universal Design" (2008), the eight colours in hex.
        okabe_ito = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
        assert okabe_ito <= set(plots.PALETTE.values())
        assert set(plots.CYCLE) <= okabe_ito
        assert plots.PALETTE["yellow"] not in plots.CYCLE  # too pale for lines on white

    def test_style_context_does_not_leak(self):
        before = matplotlib.rcParams["font.size"]
        with plots.style_context():
            assert matplotlib.rcParams["font.size"] == plots.RC["font.size"]
        assert matplotlib.rcParams["font.size"] == before

    def test_use_style_sets_rcparams(self):
        with matplotlib.rc_context():
            plots.use_style()
            assert matplotlib.rcParams["axes.labelsize"] == plots.RC["axes.labelsize"]
            assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"] == list(plots.CYCLE)


class TestNewFigure:
    def test_pyplot_figure_is_shown_inline(self):
        before = plt.get_fignums()
        fig, ax = plots.new_figure()
        try:
            assert fig.number in plt.get_fignums()
            assert fig.get_size_inches().tolist() == [4.8, 3.2]
            assert fig.get_layout_engine() is not None
            assert ax.xaxis.label.get_fontsize() >= 10
        finally:
            plt.close(fig)
        assert plt.get_fignums() == before

    def test_explorer_figure_is_unknown_to_pyplot(self):
        before = plt.get_fignums()
        fig, axes = plots.new_figure(2, 3, pyplot=False)
        assert isinstance(fig, Figure)
        assert plt.get_fignums() == before
        assert axes.shape == (2, 3)
        assert fig.get_size_inches().tolist() == [9.6, 6.4]  # 4.8 in a column, at most 9.6 wide

    def test_subplots_keywords_pass_through(self):
        fig, (top, bottom) = plots.new_figure(2, 1, figsize=(7, 5), sharex=True, pyplot=False)
        assert fig.get_size_inches().tolist() == [7.0, 5.0]
        assert top.get_shared_x_axes().joined(top, bottom)

    @pytest.mark.parametrize("bad", [0, -1, 1.5, True])
    def test_bad_grid(self, bad):
        with pytest.raises(ValueError, match="nrows must be a positive integer"):
            plots.new_figure(bad, pyplot=False)
        with pytest.raises(ValueError, match="ncols must be a positive integer"):
            plots.new_figure(1, bad, pyplot=False)


class TestStyleAxes:
    def test_labels_limits_title_legend(self):
        fig, ax = plots.new_figure(pyplot=False)
        ax.plot([0, 1], [0, 1], label="line")
        out = plots.style_axes(ax, xlabel="q", ylabel="loss", title="T", xlim=(0, 2), ylim=(-1, 3), legend=True)
        assert out is ax
        assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("q", "loss", "T")
        assert ax.get_xlim() == (0, 2) and ax.get_ylim() == (-1, 3)
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["line"]

    @pytest.mark.parametrize("label", ["", "  ", None, 3])
    def test_every_axis_is_labelled(self, label):
        fig, ax = plots.new_figure(pyplot=False)
        with pytest.raises(ValueError, match="xlabel must be a non-empty string"):
            plots.style_axes(ax, xlabel=label, ylabel="y")
        with pytest.raises(ValueError, match="ylabel must be a non-empty string"):
            plots.style_axes(ax, xlabel="x", ylabel=label)


class TestArtists:
    def test_reference_line(self):
        fig, ax = plots.new_figure(pyplot=False)
        line = plots.reference_line(ax, 2.0, "maximum: 2 bits")
        assert list(line.get_ydata()) == [2.0, 2.0]
        assert line.get_linestyle() == "--"
        assert [t.get_text() for t in ax.texts] == ["maximum: 2 bits"]
        assert ax.texts[0].get_fontsize() >= 10

    def test_marker_moves_with_set_offsets(self):
        fig, ax = plots.new_figure(pyplot=False)
        point = plots.marker(ax, 0.5, 0.7, color=plots.PALETTE["blue"])
        np.testing.assert_array_equal(point.get_offsets(), [[0.5, 0.7]])
        point.set_offsets([[0.2, 1.6]])
        np.testing.assert_array_equal(point.get_offsets(), [[0.2, 1.6]])
        assert to_rgba(point.get_facecolor()[0]) == to_rgba(plots.PALETTE["blue"])


class TestNegLogDerivative:
    def test_values(self):
        # d/dq (-log q) = -1/q: exact values by hand.
        np.testing.assert_array_equal(plots.neg_log_derivative([0.25, 0.5, 1.0]), [-4.0, -2.0, -1.0])
        assert plots.neg_log_derivative(0.1).shape == ()

    def test_matches_finite_difference_of_lossbook_cross_entropy(self):
        # The derivative of categorical_crossentropy([0, 1, 0], [(1-q)/2, q, (1-q)/2]) in q.
        def loss(q):
            return float(lb.categorical_crossentropy([0, 1, 0], [(1 - q) / 2, q, (1 - q) / 2]))

        for q in (0.05, 0.3, 0.9):
            numeric = plots.central_difference(loss, q, h=1e-5)
            assert plots.neg_log_derivative(q) == pytest.approx(numeric, rel=1e-7)

    def test_zero_and_out_of_range(self):
        with pytest.raises(ValueError, match=r"q must contain probabilities in \(0, 1\]"):
            plots.neg_log_derivative([0.5, 0.0])
        with pytest.raises(ValueError, match=r"q must contain probabilities in \[0, 1\]"):
            plots.neg_log_derivative(1.5)
        with pytest.raises(TypeError, match="q must be an array of real numbers"):
            plots.neg_log_derivative("0.5")


class TestCentralDifference:
    def test_polynomial(self):
        # d/dx x^3 at 2 is 12; the central difference's error is h^2 = 1e-6 here.
        assert plots.central_difference(lambda x: x**3, 2.0) == pytest.approx(12.0, abs=2e-6)

    def test_step_function_has_zero_slope_away_from_jumps(self):
        def step(x):
            return float(x > 0)

        assert plots.central_difference(step, 0.5) == 0.0
        assert plots.central_difference(step, 0.0) == pytest.approx(500.0)  # 1 / (2h)

    @pytest.mark.parametrize("h", [0, -1e-3, float("nan")])
    def test_bad_step(self, h):
        with pytest.raises(ValueError, match="h must be a positive real number"):
            plots.central_difference(np.sin, 0.0, h=h)


class TestBinaryAccuracy:
    def test_keras_example(self):
        # keras.metrics.BinaryAccuracy docs: update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]) -> 0.75
        assert plots.binary_accuracy([1, 1, 0, 0], [0.98, 1, 0, 0.6]) == 0.75

    def test_half_predicts_class_zero(self):
        # Keras thresholds with y_pred > 0.5 (keras/src/metrics/accuracy_metrics.py).
        np.testing.assert_array_equal(plots.binary_accuracy([[1], [0]], [[0.5], [0.5]]), [0.0, 1.0])

    def test_matches_tensorflow(self, rng, tf):
        import keras

        y = (rng.random((6, 9)) < 0.5).astype(float)
        p = rng.random((6, 9))
        p[0, :3] = 0.5
        expected = np.asarray(keras.metrics.binary_accuracy(y, p)).mean(axis=-1)
        np.testing.assert_allclose(plots.binary_accuracy(y, p), expected, rtol=1e-6)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="y_true and p must have the same shape"):
            plots.binary_accuracy([0, 1], [[0.2, 0.8]])
        with pytest.raises(ValueError, match="y_true must contain labels 0 or 1"):
            plots.binary_accuracy([0, 2], [0.2, 0.8])
        with pytest.raises(ValueError, match=r"p must contain probabilities in \[0, 1\]"):
            plots.binary_accuracy([0, 1], [0.2, 1.8])


def _margin_loss(loss, m):
    """A lossbook margin loss of the label 1 and score m, per sample (so its margin is m)."""
    m = np.asarray(m, dtype=float)
    return loss(np.ones((m.size, 1)), m.reshape(-1, 1), reduction="none")


MARGIN_GRADS = [
    (plots.hinge_margin_grad, lb.hinge, "hinge"),
    (plots.squared_hinge_margin_grad, lb.squared_hinge, "squared_hinge"),
    (plots.exponential_margin_grad, lb.exponential_loss, None),
]


class TestMarginGradients:
    # margins away from the hinge's kink at m = 1, where the central difference is exact up to h^2
    MARGINS = np.array([-3.0, -1.7, -0.4, 0.0, 0.6, 0.95, 1.05, 2.2, 3.0])

    @pytest.mark.parametrize(("grad", "loss", "_"), MARGIN_GRADS)
    def test_matches_finite_differences_of_lossbook(self, grad, loss, _):
        h = 1e-6
        numeric = (_margin_loss(loss, self.MARGINS + h) - _margin_loss(loss, self.MARGINS - h)) / (2 * h)
        np.testing.assert_allclose(grad(self.MARGINS), numeric, rtol=1e-7, atol=1e-8)

    def test_values_by_hand(self):
        np.testing.assert_array_equal(plots.hinge_margin_grad([-1.0, 1.0, 1.5]), [-1.0, -1.0, 0.0])
        np.testing.assert_array_equal(plots.squared_hinge_margin_grad([-1.0, 0.0, 1.0, 2.0]), [-4.0, -2.0, 0.0, 0.0])
        np.testing.assert_allclose(plots.exponential_margin_grad([-1.0, 0.0]), [-np.e, -1.0], rtol=1e-15)
        assert not np.signbit(plots.squared_hinge_margin_grad(2.0))  # 0, not -0
        assert plots.hinge_margin_grad(0.5).shape == ()

    @pytest.mark.parametrize(("grad", "_", "keras_name"), MARGIN_GRADS)
    def test_matches_tensorflow_autodiff(self, grad, _, keras_name, tf):
        # Keras' hinge and squared hinge (labels 1, scores m) and tf.exp(-m); ties at the kink m = 1 included.
        import keras

        m = tf.Variable(np.array([-3.0, -0.5, 0.0, 1.0, 1.5, 2.5]))
        with tf.GradientTape() as tape:
            if keras_name is None:
                total = tf.reduce_sum(tf.exp(-m))
            else:
                scores = tf.reshape(m, (-1, 1))
                total = tf.reduce_sum(getattr(keras.losses, keras_name)(tf.ones_like(scores), scores))
        np.testing.assert_allclose(grad(m.numpy()), tape.gradient(total, m).numpy(), rtol=1e-12)

    def test_dtype_and_bad_input(self):
        assert plots.exponential_margin_grad(np.float32([0.5])).dtype == np.float32
        assert plots.hinge_margin_grad(np.float32([0.5])).dtype == np.float32
        assert plots.squared_hinge_margin_grad([1, 2]).dtype == np.float64
        with pytest.raises(ValueError, match="margin must contain only finite numbers"):
            plots.hinge_margin_grad([0.0, np.nan])
        with pytest.raises(TypeError, match="margin must be an array of real numbers"):
            plots.exponential_margin_grad("1")
