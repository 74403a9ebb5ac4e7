"""sitegen: a static site generator for Chinese news sites in two script editions."""

__version__ = "0.1.0"
