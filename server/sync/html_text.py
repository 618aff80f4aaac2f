"""HTML mail bodies to plain text: the words a person reads, without markup, styles, scripts or hidden text."""
from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "section",
          "article", "header", "footer", "ul", "ol", "hr"}
_SKIP = {"script", "style", "head", "title", "noscript", "template"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d])", re.I)
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._stack: list[bool] = []  # for each open element: does it hide its content?

    def _hidden(self) -> bool:
        return any(self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK and not self._hidden():
            self.out.append("\n")
        if tag in _VOID:
            return
        style = dict(attrs).get("style") or ""
        hides = tag in _SKIP or bool(_HIDDEN_STYLE.search(style)) or ("hidden", None) in attrs
        self._stack.append(hides)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if self._stack:
            self._stack.pop()
        if tag in _BLOCK and not self._hidden():
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden():
            self.out.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML document, whitespace collapsed, paragraphs kept as line breaks.

    Text hidden with CSS (display:none, zero font size) is dropped: people never see it, and it is a favourite
    hiding place for instructions aimed at assistants.
    """
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out).replace("\xa0", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
