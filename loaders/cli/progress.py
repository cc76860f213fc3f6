"""Progress on the terminal for long commands: a tqdm bar behind the library's callback.

Library functions report progress through a plain callback `progress(i, n, label)` (the Streamlit app
passes one that drives st.progress); the command line passes a `Bar`, which draws it with tqdm on
stderr, so stdout stays for results (and --json).
"""
from __future__ import annotations

import sys

from tqdm import tqdm


class Bar:
    """progress(i, n, label) → one tqdm bar; closed (newline written) when i reaches n."""

    def __init__(self, stream=None, unit: str = "tệp", label_width: int = 24):
        self.stream = stream if stream is not None else sys.stderr
        self.unit = unit
        self.label_width = label_width
        self._bar: tqdm | None = None

    def __call__(self, i: int, n: int, label: str = "") -> None:
        text = str(label)
        # the end of a path says more than its start
        text = text if len(text) <= self.label_width else "…" + text[-(self.label_width - 1):]
        desc = f"{text:<{self.label_width}} "
        if self._bar is None:
            self._bar = tqdm(total=n, desc=desc, file=self.stream, unit=self.unit, mininterval=0.1, ncols=100,
                             ascii=" #", bar_format="{desc}[{bar}] {percentage:3.0f}% ({n_fmt}/{total_fmt})",
                             leave=True)
        bar = self._bar
        if bar.total != n:
            bar.total = n
        bar.set_description_str(desc, refresh=False)
        bar.update(i - bar.n)
        if n and i >= n:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
