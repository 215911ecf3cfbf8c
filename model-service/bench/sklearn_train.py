"""The job `npm run train` does, done with scikit-learn: the reference process that
`npm run bench:train` times side by side with ours.

Reads the 20 Newsgroups bydate archive, keeps the given categories, fits
TfidfVectorizer() + LogisticRegression(C=1000) (the objective our trainer solves, see
docs/classifier.md), evaluates on the test split and saves the fitted pipeline.

    python3 bench/sklearn_train.py --data 20news-bydate.tar.gz --out /tmp/model.pickle
"""
import argparse
import pickle
import sys
import tarfile

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline

DEFAULT_CATEGORIES = "rec.autos,rec.motorcycles,rec.sport.baseball,rec.sport.hockey"


def load(archive, categories):
    """(train texts, train labels), (test texts, test labels) from the archive's
    20news-bydate-{train,test}/<category>/<id> members, decoded as scikit-learn's
    fetch_20newsgroups does (latin-1)."""
    splits = {"train": ([], []), "test": ([], [])}
    with tarfile.open(archive) as tar:
        for member in tar:
            parts = member.name.split("/")
            if not member.isfile() or len(parts) < 3 or parts[-2] not in categories:
                continue
            split = "train" if parts[-3].endswith("train") else "test"
            texts, labels = splits[split]
            texts.append(tar.extractfile(member).read().decode("latin-1"))
            labels.append(parts[-2])
    return splits["train"], splits["test"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="20news-bydate.tar.gz")
    parser.add_argument("--categories", default=DEFAULT_CATEGORIES)
    parser.add_argument("--out", required=True, help="where the fitted pipeline is pickled")
    args = parser.parse_args()
    categories = set(args.categories.split(","))
    (train_x, train_y), (test_x, test_y) = load(args.data, categories)
    if not train_x or not test_x:
        sys.exit(f"{args.data}: no documents of {sorted(categories)} (is it the bydate archive?)")
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(C=1000, max_iter=1000))
    model.fit(train_x, train_y)
    predicted = model.predict(test_x)
    print(f"accuracy {accuracy_score(test_y, predicted):.4f} macro-F1 {f1_score(test_y, predicted, average='macro'):.4f}")
    with open(args.out, "wb") as out:
        pickle.dump(model, out)


if __name__ == "__main__":
    main()
