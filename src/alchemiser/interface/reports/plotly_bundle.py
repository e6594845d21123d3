"""The one file name Plotly's script goes by beside a report (and in the dashboard's frame).

Versioned, so a folder holding reports of two Plotly versions keeps both scripts; its own
module, so the dashboard can route it without importing the tearsheet (and plotly.io).
"""

from __future__ import annotations

import plotly

PLOTLY_BUNDLE = f"plotly-{plotly.__version__}.min.js"
