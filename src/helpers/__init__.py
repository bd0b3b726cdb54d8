"""stratbook's helper package: the analysis behind the six engagement notebooks.

One module per chapter of the method (``diagnostic``, ``market``, ``objectives``,
``customers``, ``ltv``, ``value``, ``allocation``, ``pipeline``) plus the plumbing that
loads client tables (``io``), reads ``engagement.yaml`` (``config``), runs notebooks
(``runner``) and renders reports (``report``). Importing the package is cheap: submodules
are imported by the code that needs them.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stratbook")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
