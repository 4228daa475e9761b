"""An IoT-aware discrete-event supply-chain simulator."""

__version__ = "0.1.0"
