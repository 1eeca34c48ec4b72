"""The pieces of `make simulate` (bench/simulate.py): world, hubs, workers, verification."""

__all__: list[str] = []
