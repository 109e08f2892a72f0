"""Browser tests of the chapters' layout and framework tabs (issues #12 and #13).

Served and opened like tests/test_site.py (whose fixtures this module reuses):
build the book first, then ``python -m pytest tests/test_site_layout.py -m site``.

* **Nothing overflows the column.** At 1280 px (desktop) and 390 px (phone),
  with every fold opened, no element of the main column reaches past the
  column's edges unless it sits inside its own horizontal scroll box that
  itself fits; no code cell hides part of a line (code wraps); every table
  shows all its columns, whole at 1280 px and in its own scroll box at most on
  a phone.
* **Framework tabs are synced and remembered.** Clicking the PyTorch tab once
  switches every tab set on the page, and the next page opens on PyTorch.
"""

from __future__ import annotations

import pytest
from test_site import BUILD_FIRST, HTML

pytestmark = pytest.mark.site

CHAPTER_PAGES = (
    sorted(p.relative_to(HTML).as_posix() for p in (HTML / "chapters").glob("*.html")) if HTML.is_dir() else []
)
WIDTHS = {"desktop": 1280, "phone": 390}

# Runs in the page: opens every fold, then lists what reaches past the main column.
FIND_OVERFLOW = """
() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const column = document.querySelector('article.bd-article') || document.querySelector('main');
  const box = column.getBoundingClientRect();
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const fits = r => r.left >= box.left - 1 && r.right <= box.right + 1;
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const problems = [];
  for (const el of column.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.position === 'fixed') continue;
    if (fits(r)) continue;
    // Inside a scroll box that itself fits in the column: reachable by scrolling.
    let parent = el.parentElement, contained = false;
    while (parent && parent !== column) {
      if (scrolls(parent) && fits(parent.getBoundingClientRect())) { contained = true; break; }
      parent = parent.parentElement;
    }
    if (!contained) problems.push(`${describe(el)}: ${Math.round(r.left - box.left)}..${Math.round(r.right - box.left)} px in a ${Math.round(box.width)} px column`);
  }
  // Code cells: no line hidden behind a horizontal scroll bar.
  for (const pre of column.querySelectorAll('div.cell_input pre')) {
    if (pre.scrollWidth > pre.clientWidth + 1) problems.push(`code cell line hidden: ${pre.textContent.split('\\n').find(l => l.length > 60) || ''}`.slice(0, 160));
  }
  // Tables: all columns visible, or (phone) reachable in the table's own scroll box.
  const tables = [];
  for (const table of column.querySelectorAll('table')) {
    tables.push({whole: table.scrollWidth <= table.clientWidth + 1, scrolls: scrolls(table) || (table.parentElement && scrolls(table.parentElement)),
                 what: describe(table) + ' ' + (table.innerText || '').slice(0, 60).replace(/\\s+/g, ' ')});
  }
  return {problems, tables, column: box.width};
}
"""


@pytest.fixture(scope="module")
def in_browser(browser):
    """``run(fn, *args)`` calls ``fn(browser, *args)`` with the session's headless Chromium."""
    return lambda fn, *args: fn(browser, *args)


def _open(browser, url, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, service_workers="block")
    page = context.new_page()
    page.goto(url, wait_until="load")
    return context, page


@pytest.mark.parametrize("width", WIDTHS.values(), ids=list(WIDTHS))
@pytest.mark.parametrize("page_path", CHAPTER_PAGES or ["(no chapters built)"])
def test_nothing_overflows_the_column(page_path, width, site_url, in_browser):
    if not CHAPTER_PAGES:
        pytest.fail(BUILD_FIRST, pytrace=False)

    def measure(browser):
        context, page = _open(browser, site_url + page_path, width)
        try:
            return page.evaluate(FIND_OVERFLOW)
        finally:
            context.close()

    found = in_browser(measure)
    assert found["tables"], f"{page_path}: no tables found (the test looks at nothing)"
    problems = list(found["problems"])
    for table in found["tables"]:
        if width >= 1280 and not table["whole"]:
            problems.append(f"table wider than the column at {width} px: {table['what']}")
        elif not table["whole"] and not table["scrolls"]:
            problems.append(f"table hides columns: {table['what']}")
    assert not problems, f"{page_path} at {width} px:\n" + "\n".join(problems[:25])


def _selected_sync_ids(page):
    """For each tab set with a PyTorch tab: the sync id of its checked tab."""
    return page.evaluate("""
() => [...document.querySelectorAll('.sd-tab-set')]
  .filter(set => set.querySelector('label[data-sync-id="pytorch"]'))
  .map(set => {
    const checked = set.querySelector(':scope > input:checked');
    const label = checked && set.querySelector(`:scope > label[for="${checked.id}"]`);
    return label ? label.dataset.syncId : null;
  })
""")


def test_pytorch_tab_switches_every_tab_and_is_remembered(site_url, in_browser):
    if len(CHAPTER_PAGES) < 2:
        pytest.fail(BUILD_FIRST, pytrace=False)
    in_browser(_click_pytorch_then_open_the_next_page, site_url, CHAPTER_PAGES[0], CHAPTER_PAGES[1])


def _click_pytorch_then_open_the_next_page(browser, site_url, first, second):
    context, page = _open(browser, site_url + first, 1280)
    try:
        before = _selected_sync_ids(page)
        assert len(before) >= 2, f"{first}: {len(before)} tab sets with a PyTorch tab (need 2)"
        assert "pytorch" not in before, f"{first}: PyTorch is selected before any click: {before}"
        page.locator('label[data-sync-id="pytorch"]').first.click()
        after = _selected_sync_ids(page)
        assert after == ["pytorch"] * len(before), f"{first}: after one click the tab sets show {after}"
        visible = page.evaluate("""() => [...document.querySelectorAll('.sd-tab-set')]
            .filter(s => s.querySelector('label[data-sync-id="pytorch"]'))
            .map(s => { const c = s.querySelector(':scope > input:checked + label + .sd-tab-content');
                        return c ? c.innerText.includes('torch') : false; })""")
        assert all(visible), f"{first}: a PyTorch tab shows no torch code: {visible}"
        page.goto(site_url + second, wait_until="load")
        remembered = _selected_sync_ids(page)
        assert remembered and remembered == ["pytorch"] * len(remembered), (
            f"{second}: the next page does not open on PyTorch: {remembered}"
        )
    finally:
        context.close()
