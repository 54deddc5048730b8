"""Readers for each source family: US census, Mexican census, crossings, roads."""
