"""Tests for forecast.report.briefing (number formats: tests/test_report_typography.py)."""

from __future__ import annotations

import datetime as dt
import warnings

import matplotlib
import pypdf  # a declared test dependency: missing, the tests must fail, not skip
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from forecast.report.briefing import (  # noqa: E402
    Briefing,
    BriefingFigures,
    BriefingFontWarning,
    PlanOutcome,
    render_briefing,
)
from forecast.report.provenance import Provenance  # noqa: E402
from forecast.report.typography import find_cjk_font  # noqa: E402

HUB = "沙田 Sha Tin hub"


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    out = tmp_path_factory.mktemp("figs")
    paths = []
    for i, name in enumerate(("fan", "late", "cost", "staff")):
        fig, ax = plt.subplots(figsize=(6, 3), dpi=50)
        ax.plot([0, 1, 2], [i, i + 1, i * 2])
        ax.set_title(name)
        fig.savefig(out / f"report_{name}.png")
        plt.close(fig)
        paths.append(out / f"report_{name}.png")
    return BriefingFigures(*paths)


def make_briefing(figs, **changes):
    recommended = PlanOutcome("Recommended", 1500, 0.873, 12_345, 20_100, 1.234e6, 2.01e6,
                              5e6, 0.08)
    usual = PlanOutcome("Shutdown as usual", 200, 0.02, 310_000, 420_000, 31e6, 42e6,
                        0.6e6, 0.97)
    fields = dict(
        title="LNY 2026 holiday staffing",
        date=dt.date(2026, 1, 5),
        series="Total network",
        series_id="total",
        window_start=dt.date(2026, 2, 10),
        window_end=dt.date(2026, 2, 24),
        on_time_target=0.95,
        budget=5e6,
        recommended=recommended,
        figures=figs,
        provenance=Provenance("0.1.0", "ab" * 32, "cd" * 32, 42),
        alternatives=(usual,),
        assumptions=("Compensation is HK$100 per late parcel.",),
        recommendation_text="Keep 1,500 holiday-programme workers on duty.",
    )
    fields.update(changes)
    return Briefing(**fields)


def pdf_text(path):
    reader = pypdf.PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.replace("\u00a0", " ").split())


def pdf_fonts(path):
    reader = pypdf.PdfReader(path)
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_pdf_has_three_pages_with_the_key_numbers(figures, tmp_path):
    out = render_briefing(make_briefing(figures), tmp_path / "b.pdf", cjk_font=None)
    n_pages, text = pdf_text(out)
    assert 2 <= n_pages <= 4
    for expected in ("Keep 1,500 holiday-programme workers on duty", "12,300", "20,100", "HK$ 1.2M", "HK$ 2.0M",
                     "HK$ 5.0M", "87%", "8%", "Shutdown as usual", "310,000",
                     "Compensation is HK$100 per late parcel.", "seed 42", "Page 3 of 3"):
        assert expected in text, expected
    assert text.count("config abababababab") == n_pages  # provenance footer on every page


def test_long_warnings_shrink_the_headline_figure_rather_than_push_it_off_page_1(figures,
                                                                                 tmp_path):
    """Four long warnings and five facts once left page 1 without its figure, which stood
    alone on page 2 (a 6-page briefing for the real files)."""
    warning = ("The backtest's 80% intervals covered only 61% of the days of the last 3 "
               "LNYs: widen the plan's margin or check the history for a level shift. ") * 2
    fact = ("Volumes: the total's arrivals in the window are 8.23M parcels (80% interval "
            "7.9M to 8.6M); 1.2M fall due after it. Around LNY (27 Jan to 26 Feb): 3.4M.")
    for n_warnings in (0, 4):
        out = render_briefing(make_briefing(figures, warnings=(warning,) * n_warnings,
                                            facts=(fact,) * 5),
                              tmp_path / f"b{n_warnings}.pdf", cjk_font=None)
        reader = pypdf.PdfReader(out)
        assert len(reader.pages) == 3
        assert [len(page.images) for page in reader.pages] == [1, 3, 0]


def test_rendering_is_reproducible(figures, tmp_path):
    briefing = make_briefing(figures)
    a = render_briefing(briefing, tmp_path / "a.pdf", cjk_font=None).read_bytes()
    b = render_briefing(briefing, tmp_path / "b.pdf", cjk_font=None).read_bytes()
    assert a == b


def test_user_text_is_printed_literally_not_as_typst(figures, tmp_path):
    title = 'Plan #panic("boom") *x* $y$ [z] <l> @ref \\ "q"'
    out = render_briefing(make_briefing(figures, title=title), tmp_path / "b.pdf",
                          cjk_font=None)
    assert '#panic("boom") *x* $y$ [z] <l> @ref \\ "q"' in pdf_text(out)[1]


def test_chinese_hub_name_is_rendered_with_a_cjk_font(figures, tmp_path):
    assert find_cjk_font() is not None, "noto-cjk-sans-otc is a declared dependency"
    with warnings.catch_warnings():
        warnings.simplefilter("error", BriefingFontWarning)
        out = render_briefing(make_briefing(figures, series=HUB), tmp_path / "b.pdf")
    assert "沙田" in pdf_text(out)[1]
    assert any("NotoSansCJK" in name for name in pdf_fonts(out))


def test_without_cjk_font_the_hub_id_is_shown_and_a_warning_given(figures, tmp_path):
    briefing = make_briefing(figures, series=HUB, series_id="hub_shatin",
                             assumptions=("Hub 葵涌 closes on day 1.",))
    with pytest.warns(BriefingFontWarning) as record:
        out = render_briefing(briefing, tmp_path / "b.pdf", cjk_font=None)
    messages = " ".join(str(w.message) for w in record)
    assert "hub_shatin" in messages and "'?'" in messages
    _, text = pdf_text(out)
    assert "Network: hub_shatin" in text
    assert "Hub ? closes on day 1." in text
    assert "沙" not in text and "葵" not in text
    assert "no installed font can show" in text  # the limit is stated in the PDF itself
    assert not any("CJK" in name for name in pdf_fonts(out))


def test_missing_or_non_png_figure_is_a_clear_error(figures, tmp_path):
    missing = BriefingFigures(figures.fan_chart, tmp_path / "nope.png",
                              figures.cost_exceedance, figures.staffing_tradeoff)
    with pytest.raises(ValueError, match="late_parcels.*does not exist"):
        render_briefing(make_briefing(figures, figures=missing), tmp_path / "b.pdf")
    fake = tmp_path / "fake.png"
    fake.write_text("not an image")
    bad = BriefingFigures(fake, *[figures.late_parcels] * 3)
    with pytest.raises(ValueError, match="fan_chart.*not a PNG"):
        render_briefing(make_briefing(figures, figures=bad), tmp_path / "b.pdf")
    with pytest.raises(ValueError, match="output directory"):
        render_briefing(make_briefing(figures), tmp_path / "no" / "b.pdf")
    assert not (tmp_path / "b.pdf").exists()


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"window_end": dt.date(2026, 2, 1)}, "before window_start"),
        ({"on_time_target": 1.5}, "on_time_target"),
        ({"series_id": " "}, "series_id must be a non-empty str"),
        ({"assumptions": "one string"}, "sequence of str"),
        ({"headline_figure": "pie"}, "headline_figure must be one of"),
        ({"volume_mean": 10.0, "volume_lo": 20.0, "volume_hi": 30.0}, "volume_lo"),
    ],
)
def test_briefing_validates_its_fields(figures, changes, match):
    with pytest.raises(ValueError, match=match):
        make_briefing(figures, **changes)


def test_plan_outcome_rejects_impossible_values():
    with pytest.raises(ValueError, match="p_on_time"):
        PlanOutcome("x", 10, 1.2, 0, 0, 0, 0, 0, 0)
    with pytest.raises(ValueError, match="late_mean"):
        PlanOutcome("x", 10, 0.5, -1, 0, 0, 0, 0, 0)
    with pytest.raises(ValueError, match="headcount"):
        PlanOutcome("x", 10.5, 0.5, 0, 0, 0, 0, 0, 0)


def test_any_unicode_series_id_and_long_names_are_shortened_not_refused(figures, tmp_path):
    long_name = "Kwai Chung sorting centre " * 20  # 520 characters
    briefing = make_briefing(figures, series=long_name, series_id="沙田",
                             recommended=PlanOutcome("R" * 300, 1500, 0.873, 12_345, 20_100,
                                                     1.234e6, 2.01e6, 5e6, 0.08))
    with warnings.catch_warnings():
        warnings.simplefilter("error", BriefingFontWarning)  # the bundled CJK font covers it
        out = render_briefing(briefing, tmp_path / "b.pdf")
    _, text = pdf_text(out)
    assert "Kwai Chung sorting centre Kwai" in text and "\u2026" in text and "沙田" in text
    assert long_name.strip() not in text.replace("\n", " ")


def test_characters_no_font_covers_become_a_question_mark(figures, tmp_path):
    briefing = make_briefing(figures, series="hub \u202egnp.exe \u0e01\u0e02 end",
                             series_id="hub_x")
    with pytest.warns(BriefingFontWarning):
        out = render_briefing(briefing, tmp_path / "b.pdf", cjk_font=None)
    _, text = pdf_text(out)
    assert "\u202e" not in text and "\u0e01" not in text and "Network: hub_x" in text
