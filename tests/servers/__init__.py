"""Local HTTP servers that speak upstream APIs' real formats, for offline tests."""
