"""Input tables: the contract's schema, reading, parsing, checks, loading and writing them back.

``schema`` declares every table and column once (loader, validator, template and docs use it);
``readers`` reads CSV folders and workbooks into raw text tables; ``parsing`` and ``checks`` turn
them into typed frames and report every problem at once; ``loading`` ties these together into an
:class:`~planning.inputs.tables.Inputs`; ``scenario`` / ``scenario_toml`` hold and parse the
settings; ``uploads`` takes files from the app; ``writers`` and ``template`` write inputs out.
"""

from planning.inputs.loading import load_inputs
from planning.inputs.scenario import Scenario
from planning.inputs.tables import Inputs

__all__ = ["Inputs", "Scenario", "load_inputs"]
