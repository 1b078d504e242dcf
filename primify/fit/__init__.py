"""Fitting shapes to a target: placement where the error is, Adam on a soft edge in windows around
new shapes, freezing with the hard renderer, a joint polish, and the metrics that score it."""
