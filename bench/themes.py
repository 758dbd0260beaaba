"""How well the default themes read answers: precision and recall per theme, on the
labelled answers in tests/data/themes/ (written for the tests, with typos, slang and
mixed Russian and English).

    .venv/bin/python -m bench.themes

A theme's precision is the share of answers it was given that carry it in the labels,
its recall the share of the labelled ones it was given; F1 their harmonic mean; macro-F1
the mean over the nine themes. Printed for each language and for both together, over all
answers and over each half: the dictionary was tuned looking at the odd rows only, so the
even rows are answers it had not seen.
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass
from pathlib import Path

from analytics.theme_defaults import DEFAULT_THEMES
from analytics.themes import Normaliser, ThemeMatcher

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "themes"
LANGUAGES = ("ru", "en")


@dataclass(frozen=True, slots=True)
class Labelled:
    row: int
    question: str
    text: str
    themes: frozenset[str]


def labelled(language: str) -> list[Labelled]:
    with (DATA / f"answers_{language}.csv").open(encoding="utf-8", newline="") as file:
        return [
            Labelled(number, row["question"], row["text"], frozenset(row["themes"].split()))
            for number, row in enumerate(csv.DictReader(file), start=1)
        ]


@dataclass
class Score:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        given = self.true_positive + self.false_positive
        return self.true_positive / given if given else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(matcher: ThemeMatcher, answers: list[Labelled]) -> dict[str, Score]:
    scores = {theme.key: Score() for theme in DEFAULT_THEMES}
    for answer in answers:
        found = set(matcher.topics(answer.text).themes)
        for key, theme_score in scores.items():
            if key in found and key in answer.themes:
                theme_score.true_positive += 1
            elif key in found:
                theme_score.false_positive += 1
            elif key in answer.themes:
                theme_score.false_negative += 1
    return scores


def macro_f1(scores: dict[str, Score]) -> float:
    return sum(s.f1 for s in scores.values()) / len(scores)


def table(title: str, scores: dict[str, Score], answers: int) -> str:
    lines = [f"{title} ({answers} answers): macro-F1 {macro_f1(scores):.3f}"]
    lines.append(f"  {'theme':<12} {'precision':>9} {'recall':>7} {'F1':>6}   tp  fp  fn")
    for key, s in scores.items():
        lines.append(
            f"  {key:<12} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f}"
            f"  {s.true_positive:>3} {s.false_positive:>3} {s.false_negative:>3}"
        )
    return "\n".join(lines)


def misses(matcher: ThemeMatcher, answers: list[Labelled]) -> list[str]:
    wrong = []
    for answer in answers:
        found = set(matcher.topics(answer.text).themes)
        if found != answer.themes:
            wanted = " ".join(sorted(answer.themes)) or "-"
            got = " ".join(sorted(found)) or "-"
            wrong.append(f"  {answer.row:>3} [{wanted}] got [{got}]: {answer.text}")
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", choices=("odd", "even", "all"), help="list wrong answers")
    args = parser.parse_args()
    started = time.perf_counter()
    matcher = ThemeMatcher(DEFAULT_THEMES, Normaliser())
    loaded = time.perf_counter() - started
    everything: list[Labelled] = []
    for language in LANGUAGES:
        answers = labelled(language)
        everything += answers
        print(table(f"{language}, all", score(matcher, answers), len(answers)))
        for half, rest in (("odd", 1), ("even", 0)):
            part = [a for a in answers if a.row % 2 == rest]
            print(f"{language}, {half} rows: macro-F1 {macro_f1(score(matcher, part)):.3f}")
            if args.misses in (half, "all"):
                print("\n".join(misses(matcher, part)))
        print()
    print(table("both languages", score(matcher, everything), len(everything)))
    started = time.perf_counter()
    for answer in everything:
        matcher.topics(answer.text)
    per_answer = (time.perf_counter() - started) / len(everything)
    print(f"\ndictionaries loaded in {loaded:.2f} s; {per_answer * 1e6:.0f} µs an answer, warm")


if __name__ == "__main__":
    main()
