"""Kept for the Makefile's `bench` target: bench/imports.py at 100,000 rows."""

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.argv = [sys.argv[0], sys.argv[1] if len(sys.argv) > 1 else "100000"]
    runpy.run_path(str(Path(__file__).with_name("imports.py")), run_name="__main__")
