"""Reference trainer for `npm run bench:train:compare`: scikit-learn's RandomForestClassifier on the
feature matrix exported by the TypeScript bench, plus the holdout metrics of every trainer (the other
trainers' P(UP) are read from files, so all are scored by the same code).

Usage: sklearn_rf.py --input matrix.json --trees 200 --max-depth 8 --min-samples-leaf 20 --seed 42
                     [--score NAME=predictions.json ...]
Prints one JSON object on stdout.
"""

import argparse
import json
import resource
import time

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, roc_auc_score


def peak_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scores(y_true: np.ndarray, p_up: np.ndarray) -> dict:
    return {
        "accuracy": float(accuracy_score(y_true, (p_up >= 0.5).astype(int))),
        "roc_auc": float(roc_auc_score(y_true, p_up)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--max-depth", type=int, required=True)
    parser.add_argument("--min-samples-leaf", type=int, required=True)
    parser.add_argument("--min-samples-split", type=int, default=2)
    parser.add_argument("--max-features", default="sqrt")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--score", action="append", default=[], help="NAME=file with a JSON list of P(UP)")
    args = parser.parse_args()

    with open(args.input, encoding="utf-8") as f:
        data = json.load(f)
    X_train = np.asarray(data["train"]["X"], dtype=np.float64)
    y_train = np.asarray(data["train"]["y"], dtype=np.int64)
    X_hold = np.asarray(data["holdout"]["X"], dtype=np.float64)
    y_hold = np.asarray(data["holdout"]["y"], dtype=np.int64)

    max_features = args.max_features
    if max_features not in ("sqrt", "log2"):
        max_features = float(max_features) if "." in max_features else int(max_features)
    model = RandomForestClassifier(
        n_estimators=args.trees,
        max_depth=args.max_depth,
        min_samples_leaf=args.min_samples_leaf,
        min_samples_split=args.min_samples_split,
        max_features=max_features,
        bootstrap=True,
        n_jobs=-1,
        random_state=args.seed,
    )
    baseline = peak_mb()
    started = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    peak = peak_mb()
    p_up = model.predict_proba(X_hold)[:, list(model.classes_).index(1)]

    result = {
        "sklearn_version": sklearn.__version__,
        "n_jobs": -1,
        "sklearn": {"seconds": seconds, "peak_mb": peak, "baseline_mb": baseline, **scores(y_hold, p_up)},
        "scores": {},
    }
    for spec in args.score:
        name, _, path = spec.partition("=")
        with open(path, encoding="utf-8") as f:
            other = np.asarray(json.load(f), dtype=np.float64)
        if other.shape != y_hold.shape:
            raise SystemExit(f"{path}: {other.shape[0]} predictions for {y_hold.shape[0]} holdout rows")
        result["scores"][name] = scores(y_hold, other)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
