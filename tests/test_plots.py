"""lossbook.plots: the book's figure style, drawing helpers, and the small numeric helpers figures use."""

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere in this module

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from lossbook import plots


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


def test_figure_math_is_reexported_from_where_it_lives():
    # The chapters call plots.<name>; the functions live in lossbook.gradients and lossbook.classification.
    from lossbook import classification, gradients

    for name in (
        "neg_log_derivative",
        "central_difference",
        "hinge_margin_grad",
        "squared_hinge_margin_grad",
        "exponential_margin_grad",
    ):
        assert getattr(plots, name) is getattr(gradients, name)
        assert name in plots.__all__
    assert plots.binary_accuracy is classification.binary_accuracy
