"""Browser check of the built site: no exercise answer shows outside a fold (issue #12, item 1).

A check cell prints the answer when it passes ("Correct: 25 (you answered
25 ...)"). On the site the solutions are folded and so are the check cells'
outputs (tag ``hide-output``); the student versions, run in Jupyter, keep the
feedback. For every chapter page this test reads what a reader sees of the
Exercises section without opening anything (``innerText``, which leaves out
the content of closed folds) and looks for the checker's verdicts and for the
expected answers of the chapter's questions. Then it opens every fold and
checks that the verdicts are there, so that the test cannot pass on a page
that simply lost its outputs.

Uses the server fixture and the Chromium settings of ``tests/test_site.py``,
with a Playwright of its own in a thread of its own: the session browser of
``tests/test_site.py`` runs Playwright's sync API (an asyncio loop) on the main
thread, where a second one cannot start, and both modules may run in one
session. Build the book first (``site/build.sh``), then::

    python -m pytest tests/test_site_exercises.py -m site
"""

from __future__ import annotations

import json
import re

import pytest
from test_site import HTML, ROOT

from lossbook import exercises

pytestmark = pytest.mark.site

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.])")
VERDICTS = re.compile(r"Correct: |you answered |cases passed")

EXERCISES_TEXT = """(open) => {
  const sections = [...document.querySelectorAll('section')];
  const section = sections.find(s => {
    const h = s.querySelector(':scope > h2');
    return h && /^[\\d.\\s]*Exercises\\b/.test(h.textContent);  // "1.11. Exercises"
  });
  if (!section) return null;
  if (open) {
    section.querySelectorAll('details').forEach(d => { d.open = true; });
    section.querySelectorAll('.toggle-hidden').forEach(el => el.classList.remove('toggle-hidden'));
  }
  return section.innerText;
}"""


def _questions(path):
    """The questions a chapter checks, with the text the checker prints for a right answer."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    shown = {}
    for name in re.findall(r'check_answer\("([^"]+)"', code):
        question = exercises.QUESTIONS[name]
        value = float(question.compute())
        shown[name] = (question, value)
    return shown


def _significant_digits(text):
    return len(text.lstrip("-").split("e")[0].replace(".", "").lstrip("0"))


@pytest.fixture(scope="module")
def exercise_texts(site_url, browser):
    """``{chapter: (closed, opened)}``: the Exercises section's text with every fold closed, then opened."""
    texts = {}
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        for path in CHAPTERS:
            if not (HTML / "chapters" / f"{path.stem}.html").exists():
                continue
            page.goto(f"{site_url}chapters/{path.stem}.html", wait_until="load")
            page.wait_for_timeout(300)  # sphinx-togglebutton folds the solutions on DOMContentLoaded
            texts[path.stem] = (page.evaluate(EXERCISES_TEXT, False), page.evaluate(EXERCISES_TEXT, True))
    finally:
        page.close()
    return texts


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_no_answer_outside_a_fold(path, exercise_texts):
    assert path.stem in exercise_texts, f"{HTML / 'chapters' / path.stem}.html is not built"
    closed, opened = exercise_texts[path.stem]
    assert closed is not None, f"{path.stem}: no Exercises section on the page"
    questions = _questions(path)
    problems = [f"a verdict of the checker: {line.strip()!r}" for line in closed.splitlines() if VERDICTS.search(line)]
    for shown in NUMBER.findall(closed):
        if _significant_digits(shown) < 3:
            continue  # the data of a question ("[1, 2, 3, 14]"), not an answer
        for name, (question, value) in questions.items():
            if not question.choices and value != 0 and abs(float(shown) - value) <= 5e-3 * abs(value):
                problems.append(f"{shown}, the answer of {name!r}")
    assert not problems, f"{path.stem}: outside a fold the page shows " + "; ".join(problems)
    # Not vacuous: every question's verdict is on the page, in a fold.
    verdicts = opened.count("Correct: ")
    assert verdicts >= len(questions) > 0, (
        f"{path.stem}: {verdicts} verdicts in the opened folds for {len(questions)} questions (outputs missing?)"
    )
