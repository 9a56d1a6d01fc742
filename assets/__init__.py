"""Dagster definitions of jesse-dag (``assets.definitions.defs``)."""
import warnings

import dagster as dg

# Output(data_version=...) is how an asset tells Dagster its content hash; Dagster marks that parameter beta
# and warns on every materialisation, which buried the demo's own output under 16 identical blocks.
warnings.filterwarnings("ignore", message=r"Parameter `data_version`", category=dg.BetaWarning)
