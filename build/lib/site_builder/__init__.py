"""site_builder: one YAML file per paper → a validated list → README and website."""

__version__ = "0.1.0"
