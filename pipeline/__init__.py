"""Evidence-base pipeline for local partnerships.

Turns small-area statistics (LSOA level) into a tidy indicator store, localities,
statistics and published HTML evidence packs.
"""

__version__ = "0.1.0"
