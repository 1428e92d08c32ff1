import { describe, expect, it } from 'vitest';
import { sanitizeMailHtml } from '../../../shared/mail/sanitize.js';

describe('sanitizeMailHtml: dangerous content', () => {
  it.each([
    ['script element', '<p>a</p><script>alert(1)</script>', '<p>a</p>'],
    ['script in uppercase', '<SCRIPT SRC="https://evil.example/x.js"></SCRIPT><p>a</p>', '<p>a</p>'],
    ['onerror handler', '<img src="cid:a" onerror="alert(1)">', '<img src="cid:a" />'],
    ['onclick on a link', '<a href="https://example.org" onclick="alert(1)">x</a>', '<a href="https://example.org" rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    ['javascript: link', '<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    ['entity-encoded javascript: link', '<a href="jav&#x61;script&colon;alert(1)">x</a>', '<a rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    ['javascript: split by a newline', '<a href="java\nscript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    ['vbscript: link', '<a href="vbscript:msgbox(1)">x</a>', '<a rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    ['data:text/html link', '<a href="data:text/html,<script>alert(1)</script>">x</a>', '<a rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    ['iframe', '<iframe src="https://evil.example"></iframe><p>a</p>', '<p>a</p>'],
    ['form and inputs', '<form action="https://evil.example"><input name="pw"><button>Go</button></form>', 'Go'],
    ['object and embed', '<object data="x.swf"></object><embed src="y.swf"><p>a</p>', '<p>a</p>'],
    ['meta refresh', '<meta http-equiv="refresh" content="0;url=https://evil.example"><p>a</p>', '<p>a</p>'],
    ['base', '<base href="https://evil.example/"><a href="https://example.org/x">x</a>', '<a href="https://example.org/x" rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    ['svg with onload', '<svg onload="alert(1)"><circle r="4"/></svg><p>a</p>', '<p>a</p>'],
    ['CSS expression()', '<p style="width: expression(alert(1)); color: red">a</p>', '<p style="color: red">a</p>'],
    ['CSS behavior', '<p style="behavior: url(x.htc)">a</p>', '<p>a</p>'],
    ['CSS -moz-binding', '<p style="-moz-binding: url(x.xml#xss)">a</p>', '<p>a</p>'],
  ])('removes %s and reports it', (_name, html, expected) => {
    // Prepare
    const input = html;

    // Act
    const result = sanitizeMailHtml(input);

    // Assess
    expect(result.html).toBe(expected);
    expect(result.hostile).toBe(true);
  });

  it.each([
    ['a fonts <link>', '<link rel="stylesheet" href="https://fonts.example.com/css"><p>a</p>', '<p>a</p>'],
    ['an unknown element', '<blink>a</blink>', 'a'],
    ['a CSS background image', '<p style="background-image: url(https://cdn.example.com/bg.png); color: red">a</p>', '<p style="color: red">a</p>'],
    ['a tel: link', '<a href="tel:+33123456789">x</a>', '<a rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    ['a relative link', '<a href="/help">x</a>', '<a rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    ['positioning CSS', '<div style="position: fixed; top: 0; color: #333">a</div>', '<div style="color: #333">a</div>'],
    ['an SVG data image', '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" alt="x">', '<img alt="x" />'],
    ['a <title> and <meta charset>', '<head><meta charset="utf-8"><title>News</title></head><p>a</p>', '<p>a</p>'],
  ])('drops %s without calling it hostile', (_name, html, expected) => {
    // Prepare
    const input = html;

    // Act
    const result = sanitizeMailHtml(input);

    // Assess
    expect(result.html).toBe(expected);
    expect(result.hostile).toBe(false);
  });
});

describe('sanitizeMailHtml: images', () => {
  it('moves a remote src to data-mr-remote-src and reports remote images', () => {
    // Prepare
    const html = '<img src="https://cdn.example.com/logo.png" alt="Logo" width="120">';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe('<img alt="Logo" width="120" data-mr-remote-src="https://cdn.example.com/logo.png" />');
    expect(result.remoteImages).toBe(true);
    expect(result.hostile).toBe(false);
  });

  it('treats protocol-relative and http sources as remote too', () => {
    // Prepare
    const html = '<img src="//cdn.example.com/a.png"><img src="http://cdn.example.com/b.png">';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe(
      '<img data-mr-remote-src="https://cdn.example.com/a.png" /><img data-mr-remote-src="http://cdn.example.com/b.png" />',
    );
    expect(result.remoteImages).toBe(true);
  });

  it('takes a remote srcset as the image to restore', () => {
    // Prepare
    const html = '<img srcset="https://cdn.example.com/a@2x.png 2x, https://cdn.example.com/a.png 1x">';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe('<img data-mr-remote-src="https://cdn.example.com/a@2x.png" />');
    expect(result.remoteImages).toBe(true);
  });

  it('moves a remote background attribute and keeps table layout attributes', () => {
    // Prepare
    const html = '<table width="600" cellpadding="0" background="https://cdn.example.com/bg.jpg" bgcolor="#ffffff"><tr><td align="center" valign="top">a</td></tr></table>';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe(
      '<table width="600" cellpadding="0" bgcolor="#ffffff" data-mr-remote-background="https://cdn.example.com/bg.jpg"><tr><td align="center" valign="top">a</td></tr></table>',
    );
    expect(result.remoteImages).toBe(true);
  });

  it('keeps cid: and raster data: images as they are', () => {
    // Prepare
    const html = '<img src="cid:logo@example.com"><img src="data:image/png;base64,iVBORw0KGgo=">';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe('<img src="cid:logo@example.com" /><img src="data:image/png;base64,iVBORw0KGgo=" />');
    expect(result.remoteImages).toBe(false);
  });

  it('does not let a message set data-mr-remote-src itself', () => {
    // Prepare
    const html = '<img data-mr-remote-src="javascript:alert(1)" src="cid:a">';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe('<img src="cid:a" />');
  });
});

describe('sanitizeMailHtml: formatting', () => {
  it('keeps email formatting: font, center, tables, lists, quotes', () => {
    // Prepare
    const html =
      '<center><font face="Arial" color="#333" size="2">Bonjour <b>Marie</b></font></center><blockquote><ul><li>un</li></ul></blockquote><hr><pre>code</pre>';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe(html.replace('<hr>', '<hr />'));
    expect(result.hostile).toBe(false);
  });

  it('gives every link rel="noopener noreferrer nofollow" and target="_blank"', () => {
    // Prepare
    const html = '<a href="https://example.org" target="_self" rel="opener">x</a><a href="mailto:a@example.org">m</a>';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe(
      '<a href="https://example.org" target="_blank" rel="noopener noreferrer nofollow">x</a>' +
        '<a href="mailto:a@example.org" rel="noopener noreferrer nofollow" target="_blank">m</a>',
    );
  });

  it('turns <body> into a <div> that keeps its safe styling', () => {
    // Prepare
    const html = '<html><head></head><body bgcolor="#f4f4f4" style="margin:0" onload="x()">a</body></html>';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe('<div bgcolor="#f4f4f4" style="margin: 0">a</div>');
  });
});

describe('sanitizeMailHtml: <style> elements', () => {
  it('keeps allowed rules, @media blocks and Outlook mso- properties', () => {
    // Prepare
    const html =
      '<style>p.MsoNormal { margin: 0cm; font-family: "Aptos", sans-serif; mso-fareast-language: EN-US }' +
      '@media only screen and (max-width: 600px) { .col { width: 100% !important } }</style><p class="MsoNormal">a</p>';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe(
      '<style>\np.MsoNormal { margin: 0cm; font-family: "Aptos", sans-serif; mso-fareast-language: EN-US }\n' +
        '@media only screen and (max-width: 600px) { .col { width: 100% !important } }\n</style>\n<p class="MsoNormal">a</p>',
    );
    expect(result.hostile).toBe(false);
  });

  it('drops everything that can load a resource, whatever its spelling', () => {
    // Prepare
    const css = [
      '@import url("https://tracker.example/a.css");',
      "@IMPORT 'https://tracker.example/b.css';",
      '@\\69mport "https://tracker.example/c.css";',
      "@font-face { font-family: X; src: url('https://tracker.example/x.woff') }",
      '.a { background: #fff url(https://tracker.example/1.png) no-repeat }',
      '.b { background-image: u\\72l(https://tracker.example/2.png) }',
      '.c { background-image: URL( "https://tracker.example/3.png" ) }',
      '.d { background-image: image-set("https://tracker.example/4.png" 1x) }',
      '.e { list-style: url/**/(https://tracker.example/5.png) }',
      '.f { cursor: url(https://tracker.example/6.cur), auto }',
      '.g { color: green }',
    ].join('\n');

    // Act
    const result = sanitizeMailHtml(`<style>${css}</style>`);

    // Assess
    expect(result.html).toBe('<style>\n.g { color: green }\n</style>');
    expect(result.html).not.toContain('tracker');
    expect(result.hostile).toBe(false);
  });

  it('keeps gradients and computed values, which load nothing', () => {
    // Prepare
    const html = '<style>.b { background-image: linear-gradient(90deg, rgb(0, 0, 0) 0%, rgba(255,255,255,.5) 100%); width: calc(100% - 20px) }</style>';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe(
      '<style>\n.b { background-image: linear-gradient(90deg, rgb(0, 0, 0) 0%, rgba(255,255,255,.5) 100%); width: calc(100% - 20px) }\n</style>',
    );
  });

  it('cannot be broken out of: the result never holds "<" inside the style element', () => {
    // Prepare
    const html =
      '<style>p { color: red } .x::after { content: "</style><script>alert(1)</script>" } a[title="<b>"] { color: blue }</style><p>a</p>';

    // Act
    const result = sanitizeMailHtml(html);
    const style = /<style>([\s\S]*?)<\/style>/u.exec(result.html)?.[1] ?? '';

    // Assess
    expect(result.html).not.toMatch(/<script/iu);
    expect(style).not.toContain('<');
    expect(style).toContain('p { color: red }');
  });

  it('keeps rules after a block the CSS grammar closes on the right brace only', () => {
    // Prepare
    const html = '<style>.a { color: red; width: calc( } ) } .b { color: blue }</style>';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe('<style>\n.a { color: red }\n.b { color: blue }\n</style>');
  });

  it('reports expression() in a stylesheet as hostile', () => {
    // Prepare
    const html = '<style>.a { width: e\\78pression(alert(1)) }</style><p>a</p>';

    // Act
    const result = sanitizeMailHtml(html);

    // Assess
    expect(result.html).toBe('<p>a</p>');
    expect(result.hostile).toBe(true);
  });
});
