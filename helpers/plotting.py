"""The course's plot style: one look for every figure, readable in print and for colour-blind readers."""

from __future__ import annotations

# Okabe & Ito's colour-blind-safe palette (black first dropped: it is used for text).
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def set_style() -> None:
    """Apply the course's matplotlib style. :func:`helpers.setup` calls it for you.

    Figures get a fixed size and resolution (so stored notebook images stay stable), a light
    grid, no top/right frame, a colour-blind-safe colour cycle and constrained layout.
    Titles, axis labels with units and legends remain the author's job.
    """
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.constrained_layout.use": True,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.frameon": False,
            "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
            "image.cmap": "viridis",
            "svg.hashsalt": "course",  # stable ids in SVG output
        }
    )
