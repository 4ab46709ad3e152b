"""Pieces shared by the pages: figure builders, layout helpers, URL state."""
