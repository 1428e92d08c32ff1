import sanitizeHtml from 'sanitize-html';

/** Elements that start and end a line of text. */
const BLOCK_ELEMENTS = new Set([
  'address', 'article', 'aside', 'blockquote', 'caption', 'center', 'dd', 'div', 'dl', 'dt', 'figcaption', 'figure',
  'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section',
  'table', 'tr', 'ul',
]);

/** Elements whose content is not text a reader sees. */
const NON_TEXT_ELEMENTS = [
  'script', 'style', 'textarea', 'option', 'noscript', 'title', 'svg', 'math', 'template', 'iframe', 'object',
];

function unescapeSanitizerText(text: string): string {
  return text.replace(/&lt;/gu, '<').replace(/&gt;/gu, '>').replace(/&amp;/gu, '&');
}

/**
 * Plain text from HTML, for HTML-only mail: the text is what snippets, search and plain-text
 * replies use. Blocks and `<br>` become line breaks, table cells are separated by a space, white
 * space collapses as a browser would (except in `<pre>`), entities are decoded, and invisible
 * content (`<head>`, `<style>`, `<script>`…) is skipped. Built on sanitize-html's parser events so
 * that no second HTML parser is needed.
 */
export function htmlToText(html: string): string {
  const parts: string[] = [];
  let preDepth = 0;
  sanitizeHtml(html, {
    allowedTags: [],
    allowedAttributes: {},
    disallowedTagsMode: 'discard',
    nonTextTags: NON_TEXT_ELEMENTS,
    onOpenTag: (name) => {
      if (name === 'br') {
        parts.push('\n');
      } else if (BLOCK_ELEMENTS.has(name)) {
        parts.push('\n');
      } else if (name === 'td' || name === 'th') {
        parts.push(' ');
      }
      if (name === 'pre') {
        preDepth++;
      }
    },
    onCloseTag: (name) => {
      if (BLOCK_ELEMENTS.has(name)) {
        parts.push('\n');
      }
      if (name === 'pre' && preDepth > 0) {
        preDepth--;
      }
    },
    textFilter: (text) => {
      const decoded = unescapeSanitizerText(text);
      parts.push(preDepth > 0 ? decoded : decoded.replace(/[ \t\r\n\f]+/gu, ' '));
      return '';
    },
  });
  return parts
    .join('')
    .replace(/\u00a0/gu, ' ')
    .split('\n')
    .map((line) => line.replace(/[ \t]+/gu, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/gu, '\n\n')
    .trim();
}
