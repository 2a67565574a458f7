"""The book's charts as PNG images, drawn with matplotlib's Agg backend (no display, no browser).

Why matplotlib and PNG: the same image goes into the DOCX (Word cannot show SVG reliably before 2016) and the
PDF, so there is one drawing code path and both files show the same chart; 200 dpi prints sharply at the
size used. The CJK font is the one the PDFs use (fonts-wqy-microhei, ``make fonts``), registered with
matplotlib by file so that Chinese axis labels are not boxes; matplotlib is imported only here (lean start-up).
"""

import io
from functools import cache

CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "Droid Sans Fallback")
FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
DPI = 200
RED, GREY = "#c0392b", "#7f8c8d"
PALETTE = ["#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2980b9", "#8e44ad", "#16a085", "#7f8c8d"]


@cache
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from django.conf import settings
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    for path in (getattr(settings, "GUIDANCE_FONT_FILE", ""), *FONT_FILES):
        try:
            if path:
                font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError):
            continue
    plt.rcParams["font.sans-serif"] = [*CJK_FONTS, "DejaVu Sans"]
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212 minus sign
    plt.rcParams["svg.fonttype"] = "path"
    return plt


def _png(fig) -> bytes:
    plt = _pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def trend_png(weeks: list[str], volume: list[int], *, title: str, unit: str) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 2.0))
    x = range(len(weeks))
    ax.bar(x, volume, color=RED, width=0.7)
    if len(volume) >= 4:  # a four-week moving average shows the trend under weekly ups and downs
        avg = [sum(volume[max(0, i - 3) : i + 1]) / len(volume[max(0, i - 3) : i + 1]) for i in x]
        ax.plot(list(x), avg, color=GREY, linewidth=1.5)
    step = max(1, len(weeks) // 8)
    ax.set_xticks(list(x)[::step], weeks[::step], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel(unit, fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def bars_png(
    labels: list[str], values: list[float], *, title: str, unit: str, peer: list | None = None
) -> bytes:
    """Horizontal bars (brands, price classes); with ``peer``, a second bar per label for comparison."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(3.1, 2.4))
    y = list(range(len(labels)))[::-1]
    if peer is None:
        ax.barh(y, values, color=[PALETTE[i % len(PALETTE)] for i in range(len(labels))])
    else:
        ax.barh([v + 0.2 for v in y], values, height=0.4, color=RED, label=str(unit[0]))
        ax.barh([v - 0.2 for v in y], peer, height=0.4, color=GREY, label=str(unit[1]))
        ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    ax.set_yticks(y, labels, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def book_charts(snapshot: dict) -> dict[str, bytes]:
    """The charts of one book, by name; none when the shop has no sales (the text says so instead)."""
    from django.utils.translation import gettext as _

    sales, peer = snapshot["sales"], snapshot["peer"]
    if not sales["has_sales"]:
        return {}
    charts = {
        "trend": trend_png(
            sales["weeks"], sales["volume"], title=_("Weekly sales (cartons)"), unit=_("cartons")
        ),
        "classes": bars_png(
            ["一类", "二类", "三类", "四类", "五类"],
            sales["classes"],
            title=_("Price classes"),
            unit=_("cartons"),
        ),
    }
    if sales["brands"]:
        charts["brands"] = bars_png(
            [b for b, _q in sales["brands"]],
            [q for _b, q in sales["brands"]],
            title=_("Brands"),
            unit=_("cartons"),
        )
    if peer.get("n"):
        charts["peer"] = bars_png(
            [_("cartons"), _("amount (hundred yuan)")],
            [peer["my_volume"], peer["my_amount"] / 100],
            peer=[peer["volume"], peer["amount"] / 100],
            title=_("This shop against similar shops (%(w)s weeks)") % {"w": peer["weeks"]},
            unit=(_("this shop"), _("peer average")),
        )
    return charts
