"""Reading a rendered page in tests: the elements a user would look at, by ``data-testid``."""


class Element:
    def __init__(self, attrs):
        self.attrs, self.parts = dict(attrs), []

    def get(self, name):
        return self.attrs.get(name)

    def text_content(self):
        return "".join(self.parts)


def elements_by_testid(response, name):
    """The elements with ``data-testid=name`` (their attributes and text), by the stdlib parser."""
    from html.parser import HTMLParser

    void = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}
    found, open_ = [], []  # open_: [element, depth] being collected

    class Parser(HTMLParser):
        depth = 0

        def handle_starttag(self, tag, attrs):
            if tag in void:
                return
            self.depth += 1
            if dict(attrs).get("data-testid") == name:
                element = Element(attrs)
                found.append(element)
                open_.append([element, self.depth])

        def handle_endtag(self, tag):
            if tag in void:
                return
            if open_ and open_[-1][1] == self.depth:
                open_.pop()
            self.depth -= 1

        def handle_data(self, data):
            for element, _depth in open_:
                element.parts.append(data)

    Parser().feed(response.content.decode())
    return found
