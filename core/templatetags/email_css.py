"""`{% inlinecss "offers/email/listing_card.css" %}…{% endinlinecss %}`: a stylesheet
written into the style attributes of the markup between the tags, for HTML email.

Mail clients drop or rewrite <style> blocks, and the site's Content-Security-Policy
refuses style attributes (ADR 6). So a component shown both on the site and in an
email (the listing card) is written once with classes only, and the email wraps it
in this tag with a small stylesheet of those classes: the page gets no styles, the
email gets inline ones.

The content between the tags is rendered by the template engine first, so every
value in it is already escaped. css-inline (Rust, html5ever) parses that markup and
writes it out again, escaping text and attribute values as it serialises them, and
adds only `style` attributes from a stylesheet in our templates. That is why its
output may be marked safe here.
"""

from typing import Any

import css_inline
from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Nothing is fetched: a <link> in the markup would be the markup's own, never ours.
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)


def inline_css(html: str, *, css: str) -> SafeString:
    """`html` (already rendered by the template engine) with `css` in style attributes.

    Template tags leave lines of nothing but indentation, and every line costs the
    MIME encoder of each email (a digest's cards were most of its lines). Outside
    <pre> and <textarea>, which email fragments do not use, a line break is all the
    whitespace a reader sees, so each line loses its indentation and empty ones go.
    """
    compact = "\n".join(line for line in (raw.strip() for raw in html.splitlines()) if line)
    return mark_safe(_INLINER.inline_fragment(compact, css))  # noqa: S308 - see the module docstring


class InlineCssNode(template.Node):
    def __init__(self, nodelist: NodeList, stylesheet: FilterExpression) -> None:
        self.nodelist = nodelist
        self.stylesheet = stylesheet

    def render(self, context: Any) -> SafeString:
        html = self.nodelist.render(context)
        # A template, so Django's cached loader reads the file once per process.
        css = get_template(str(self.stylesheet.resolve(context))).render()
        return inline_css(html, css=css)


@register.tag
def inlinecss(parser: Parser, token: Token) -> InlineCssNode:
    """`{% inlinecss "path/to/stylesheet.css" %}markup{% endinlinecss %}`."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("inlinecss takes one argument: the stylesheet")
    nodelist = parser.parse(("endinlinecss",))
    parser.delete_first_token()
    return InlineCssNode(nodelist, parser.compile_filter(bits[1]))
