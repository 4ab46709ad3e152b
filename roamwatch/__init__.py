"""roamwatch: internet-freedom monitoring organised by UNESCO's ROAM-X principles."""

__version__ = "0.1.0"
