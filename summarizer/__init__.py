"""summarizer: grounded structured summaries of armed-conflict news."""

__version__ = "0.1.0"
