"""A card as a small HTML page, roughly as the Gmail sidebar draws it: for looking at cards (and screenshots in the
tests) without a Google account. Not what Google renders; the widgets the add-on uses, nothing more.

    python -c "import json,sys; from addon.preview_html import page; print(page(json.load(sys.stdin)))" < card.json
"""
from __future__ import annotations

import html
from typing import Any

_CSS = """
body { margin: 0; background: #f1f3f4; font: 14px/1.4 Roboto, Arial, sans-serif; color: #202124; }
.card { width: 340px; margin: 12px auto; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px #0003; }
.header { padding: 14px 16px; border-bottom: 1px solid #e0e0e0; }
.title { font-size: 16px; font-weight: 500; } .subtitle { color: #5f6368; font-size: 12px; }
.section { padding: 10px 16px; border-bottom: 1px solid #eee; }
.section-header { color: #1a73e8; font-size: 12px; font-weight: 500; margin-bottom: 6px; text-transform: uppercase; }
.decorated { padding: 4px 0; } .label { color: #5f6368; font-size: 12px; }
.icon { color: #5f6368; font-size: 11px; margin-right: 6px; }
.buttons { display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0 8px; }
.button { border: 1px solid #dadce0; border-radius: 16px; padding: 4px 12px; color: #1a73e8; background: #fff; }
.button.filled { background: #1a73e8; color: #fff; border-color: #1a73e8; }
.input { border: 1px solid #80868b; border-radius: 4px; padding: 8px; color: #5f6368; margin: 4px 0; }
.footer { display: flex; gap: 8px; justify-content: flex-end; padding: 10px 16px; }
"""


def _esc(value: Any) -> str:
    return html.escape(str(value or ""))


def _button(b: dict[str, Any]) -> str:
    kind = "button filled" if b.get("type") == "FILLED" else "button"
    return f'<span class="{kind}">{_esc(b.get("text"))}</span>'


def _widget(w: dict[str, Any]) -> str:
    if "textParagraph" in w:  # already the HTML subset Google accepts (escaped by the builders)
        return f'<div class="decorated">{w["textParagraph"].get("text", "")}</div>'
    if "decoratedText" in w:
        d = w["decoratedText"]
        icon = ((d.get("startIcon") or {}).get("materialIcon") or {}).get("name")
        parts = [f'<div class="label">{_esc(d["topLabel"])}</div>' if d.get("topLabel") else "",
                 (f'<span class="icon">[{_esc(icon)}]</span>' if icon else "") + d.get("text", ""),
                 f'<div class="label">{_esc(d["bottomLabel"])}</div>' if d.get("bottomLabel") else "",
                 f'<div class="buttons">{_button(d["button"])}</div>' if d.get("button") else ""]
        return f'<div class="decorated">{"".join(parts)}</div>'
    if "buttonList" in w:
        return f'<div class="buttons">{"".join(_button(b) for b in w["buttonList"].get("buttons", []))}</div>'
    if "textInput" in w:
        return f'<div class="input">{_esc(w["textInput"].get("label"))}</div>'
    if "selectionInput" in w:
        s = w["selectionInput"]
        chosen = next((i["text"] for i in s.get("items", []) if i.get("selected")), "")
        return f'<div class="input">{_esc(s.get("label"))}: {_esc(chosen)} ▾</div>'
    if "divider" in w:
        return "<hr>"
    return ""


def card_html(card: dict[str, Any]) -> str:
    """One card as an HTML fragment."""
    header = card.get("header") or {}
    out = ['<div class="card">']
    if header:
        out.append(f'<div class="header"><div class="title">{_esc(header.get("title"))}</div>'
                   f'<div class="subtitle">{_esc(header.get("subtitle"))}</div></div>')
    for section in card.get("sections", []):
        out.append('<div class="section">')
        if section.get("header"):
            out.append(f'<div class="section-header">{_esc(section["header"])}</div>')
        out.extend(_widget(w) for w in section.get("widgets", []))
        out.append("</div>")
    footer = card.get("fixedFooter")
    if footer:
        buttons = [footer[k] for k in ("secondaryButton", "primaryButton") if footer.get(k)]
        out.append(f'<div class="footer">{"".join(_button(b) for b in buttons)}</div>')
    out.append("</div>")
    return "".join(out)


def page(card: dict[str, Any]) -> str:
    """A whole HTML page showing `card`."""
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{_esc((card.get("header") or {}).get("title"))}'
            f"</title><style>{_CSS}</style></head><body>{card_html(card)}</body></html>")
