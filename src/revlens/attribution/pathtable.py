"""The aggregated path table that Markov and Shapley work on, as numpy arrays.

A `PathTable` holds one row per distinct channel path (`A > B > A`): its conversions, its
conversion value and its non-conversions (`total_null`) — the ChannelAttribution layout.
Paths are split into integer channel codes once, with pyarrow (no loop over journeys).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from revlens.attribution.config import PATH_SEPARATOR


@dataclass(frozen=True)
class PathTable:
    channels: list[str]          # code i+1 is channels[i]; 0 is "no channel"
    codes: np.ndarray            # flat channel codes of every path, path after path
    offsets: np.ndarray          # path r is codes[offsets[r]:offsets[r + 1]]
    conversions: np.ndarray      # float64 per path
    value: np.ndarray            # float64 per path
    nulls: np.ndarray            # float64 per path

    @classmethod
    def from_columns(cls, paths: list[str] | pa.Array, conversions, value, nulls) -> PathTable:
        """From parallel columns; empty paths (no touch) are dropped."""
        paths = (pa.array(paths, pa.string()) if not isinstance(paths, pa.Array)
                 else paths.cast(pa.string()))  # an empty result may come typed null
        keep = pc.fill_null(pc.greater(pc.utf8_length(paths), 0), False)
        lists = pc.split_pattern(paths.filter(keep), PATH_SEPARATOR)
        flat = pc.utf8_trim_whitespace(lists.flatten())
        channels = sorted(set(pc.unique(flat).to_pylist()))
        codes = pc.index_in(flat, pa.array(channels, pa.string()))
        codes = codes.to_numpy(zero_copy_only=False) + 1
        mask = keep.to_numpy(zero_copy_only=False)

        def column(values) -> np.ndarray:
            return np.asarray(values, dtype=np.float64)[mask]

        return cls(channels, codes.astype(np.int64), lists.offsets.to_numpy().astype(np.int64),
                   column(conversions), column(value), column(nulls))

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def path_index(self) -> np.ndarray:
        """For each flat code, the row of its path."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    def channel_sets(self) -> np.ndarray:
        """A bit mask per path: bit i set when channels[i] occurs in it (up to 62 channels)."""
        if len(self.channels) > 62:
            raise ValueError(f"{len(self.channels)} channels; bit masks hold at most 62")
        bits = np.left_shift(np.int64(1), self.codes - 1)
        masks = np.zeros(len(self.lengths), dtype=np.int64)
        np.bitwise_or.at(masks, self.path_index, bits)
        return masks
