"""Regenerate the sample city 云州市 (seeded; the committed CSVs are its output).

    python data/sample/make_sample.py

Same as ``junheng sample --out data/sample``. See README.md beside this file.
"""
from pathlib import Path

from junheng_lib.data.sample import write_sample

if __name__ == "__main__":
    for path in write_sample(Path(__file__).resolve().parent):
        print(path)
