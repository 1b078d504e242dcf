"""Drawing a scene: soft and hard coverage from signed distance, compositing, the hard renderer
that writes every raster output, and SVG."""
