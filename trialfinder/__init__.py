"""trialfinder: find clinical trials for refractory cancer and explain them in plain language."""

__version__ = "0.1.0"
