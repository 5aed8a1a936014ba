"""Plotly figures as HTML fragments, with the look every POM chart shares.

Pages load plotly.js themselves (`{% static 'vendor/plotly/plotly.min.js' %}`, not deferred:
the fragment's inline script draws the chart as soon as it is parsed).
"""

import plotly.graph_objects as go

PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#64748b"]


def figure_html(fig: go.Figure, *, height: int = 320, **layout) -> str:
    """The figure as a responsive fragment that fills its container's width; `layout` overrides."""
    fig.update_layout(
        **{
            "autosize": True,
            "height": height,
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "font": {"family": "system-ui, sans-serif", "size": 12},
            **layout,
        }
    )
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        default_width="100%",
        config={"displayModeBar": False, "responsive": True},
    )
