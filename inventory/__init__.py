"""The ground floor: database, audit trail, catalogue, lots, units, receiving, barcodes."""

__version__ = "0.1.0"
