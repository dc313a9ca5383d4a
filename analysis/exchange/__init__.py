"""The analysis half of the argument exchange: bridging scores, checks, effects, report tables.

Participants rate each other's arguments ("Is this a fair and reasonable
argument, even if you disagree with it?"); this package reads the exchange
tables of an export (``analysis.contract_exchange``) and asks which
arguments every opinion group finds fair (:mod:`.bridging`), how sure that
is, and whether hearing the other side moved anyone.
"""

from analysis.exchange.bridging import BridgingFit, bridging_fit

__all__ = ["BridgingFit", "bridging_fit"]
