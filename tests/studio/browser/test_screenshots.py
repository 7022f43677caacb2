"""Every page of the Studio's navigation, in a real browser: it renders cleanly and is screenshot.

The page list is read from studio/app.py, so a page added to the navigation is covered without
editing this file. Screenshots land in test-artifacts/screenshots/<title-slug>.png.
"""

from __future__ import annotations

import pytest

from tests.studio.browser.helpers import (
    assert_no_streamlit_exception,
    goto_page,
    heading,
    nav_link,
    nav_titles,
    save_screenshot,
    slug,
)

pytestmark = pytest.mark.browser

TITLES = nav_titles()


def test_navigation_lists_every_page(page):
    """The sidebar shows exactly the pages app.py declares (so the parametrized test sees them all)."""
    links = page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")
    shown = links.get_by_test_id("stMarkdownContainer").all_inner_texts()  # the label, not the icon
    assert [s.strip() for s in shown] == TITLES
    assert len(TITLES) >= 7


@pytest.mark.parametrize("title", TITLES, ids=[slug(t) for t in TITLES])
def test_page_renders_and_is_screenshot(page, title):
    goto_page(page, title)
    assert nav_link(page, title).get_attribute("aria-current") == "page"
    assert heading(page, title).first.is_visible()
    main = page.get_by_test_id("stMain")
    assert main.inner_text().strip(), f"{title}: the page is blank"
    assert_no_streamlit_exception(page)
    shot = save_screenshot(page, slug(title))
    assert shot.stat().st_size > 5_000, f"{shot} looks empty"
