"""Converting many pictures: inputs expanded, every output path planned in one place, tasks run
here, in processes or on Dask, and results written and reported."""
