"""Fill in a Django admin form as a browser would: read the change page's HTML, keep every
field with the value it shows (inline rows and management forms too), change what the
test changes, post it. The tests of the admin then act as an attacker at the keyboard
would, through every form, inline and check the admin applies."""

from html.parser import HTMLParser


class _FormFields(HTMLParser):
    """The successful controls of the page's forms, as a browser submits them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._select = None  # (name, multiple, chosen values, first option)
        self._textarea = None  # (name, parts)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
                return
            self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name and "disabled" not in a:
            self._select = (name, "multiple" in a, [], [None])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[3][0] is None:
                self._select[3][0] = value
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea" and name and "disabled" not in a:
            self._textarea = (name, [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, multiple, chosen, first = self._select
            if multiple:
                self.fields += [(name, value) for value in chosen]
            elif chosen or first[0] is not None:
                self.fields.append((name, chosen[-1] if chosen else first[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            self.fields.append((name, "".join(parts).lstrip("\n")))
            self._textarea = None


def admin_form(client, url) -> dict:
    """The form of the admin page at `url`, as {name: value or [values]}; inline templates
    (`__prefix__`) and the search box left out."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = _FormFields()
    parser.feed(response.content.decode())
    data: dict = {}
    for name, value in parser.fields:
        if "__prefix__" in name or name in ("q", "csrfmiddlewaretoken"):
            continue
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value
    return data


def inline_add(data: dict, prefix: str, **row) -> dict:
    """`data` with one more row in the inline formset `prefix`."""
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data = {**data, f"{prefix}-TOTAL_FORMS": str(n + 1)}
    data.update({f"{prefix}-{n}-{key}": str(value) for key, value in row.items()})
    return data


def inline_row(data: dict, prefix: str, field: str, value) -> int:
    """The index of the inline row whose `field` is `value`."""
    for i in range(int(data[f"{prefix}-TOTAL_FORMS"])):
        if data.get(f"{prefix}-{i}-{field}") == str(value):
            return i
    raise AssertionError(f"no {prefix} row with {field}={value}")
