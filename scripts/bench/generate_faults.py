"""Writes a large CSV shaped like faults.csv: rows resampled from the real data with noise.

Usage: generate_faults.py FAULTS_CSV ROWS OUTPUT_CSV [SEED]
Integer indicators get small integer jitter, real indicators 1% multiplicative noise (rounded to
the data's 4 decimals); the seven one-hot fault columns are copied unchanged.
"""
import sys

import numpy as np
import pandas as pd

FAULTS = ["Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults"]


def main():
    source, rows, output = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = np.random.default_rng(int(sys.argv[4]) if len(sys.argv) > 4 else 42)
    frame = pd.read_csv(source)
    sample = frame.iloc[rng.integers(0, len(frame), rows)].reset_index(drop=True)
    for column in frame.columns:
        if column in FAULTS or column.startswith("TypeOfSteel"):
            continue
        if pd.api.types.is_integer_dtype(frame[column]):
            sample[column] = np.maximum(0, sample[column] + rng.integers(-2, 3, rows))
        else:
            sample[column] = (sample[column] * (1 + rng.normal(0, 0.01, rows))).round(4)
    sample.to_csv(output, index=False)


if __name__ == "__main__":
    main()
