"""roamwatch: internet-freedom monitoring organised by UNESCO's ROAM-X principles.

>>> import roamwatch
>>> rw = roamwatch.open()          # doctest: +SKIP
>>> rw.observations("worldbank.IT.NET.USER.ZS", country="KEN")  # doctest: +SKIP
"""

from roamwatch.api import Roamwatch, open  # noqa: A004

__version__ = "0.1.0"
__all__ = ["Roamwatch", "open", "__version__"]
