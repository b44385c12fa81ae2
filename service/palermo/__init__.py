"""Palermo: a knowledge-graph service for the UN Palermo Protocols.

The Protocol to Prevent, Suppress and Punish Trafficking in Persons (TIP Protocol) and the
Protocol against the Smuggling of Migrants by Land, Sea and Air (SoM Protocol), both
supplementing the UN Convention against Transnational Organized Crime (2000).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("palermo")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
