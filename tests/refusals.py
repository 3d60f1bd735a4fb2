"""A page form's refused POST (Post/Redirect/Get, trading/views/prg.py): 303 to the page
the form is on, never the POST's address; the page's GET shows the error at the top
(role=alert), once."""

SUMMARY = 'id="error-summary"'


def refused_to_page(client, response, page=None, *, anchor=None):
    """Assert `response` refuses to `page` (a path, or the transaction page's...) and
    return the page's GET, which shows the error summary."""
    assert response.status_code == 303, (response.status_code, response.content.decode()[-3000:])
    location = response["Location"]
    url, _hash, fragment = location.partition("#")
    assert fragment, location  # at the form's anchor
    if anchor is not None:
        assert fragment == anchor, location
    if page is not None:
        assert url.split("?", 1)[0] == page, (location, page)
    shown = client.get(url)
    text = shown.content.decode()
    assert SUMMARY in text and 'role="alert"' in text, text[-3000:]
    return shown


def shown_once(client, page):
    """The next GET of `page` shows no refusal any more."""
    return SUMMARY not in client.get(page).content.decode()
