import { describe, expect, it } from 'vitest';
import { parseFixture } from './helpers.js';

/** An attribute whose name starts with "on" inside a tag. */
const EVENT_HANDLER = /<[^>]*\son[a-z]+\s*=/iu;

describe('parseMail on hostile HTML', () => {
  it('removes every scripting vector of hostile/script-html.eml and flags it', async () => {
    // Prepare
    const path = 'hostile/script-html.eml';

    // Act
    const { parsed } = await parseFixture(path);
    const html = parsed.html ?? '';

    // Assess
    expect(parsed.flags).toContain('hostile-html');
    expect(parsed.flags).toContain('remote-images');
    expect(html).not.toMatch(/<script/iu);
    expect(html).not.toMatch(EVENT_HANDLER);
    expect(html).not.toMatch(/javascript:/iu);
    expect(html).not.toMatch(/java\s*script/iu);
    expect(html).not.toMatch(/data:text/iu);
    for (const element of ['iframe', 'form', 'input', 'button', 'object', 'embed', 'svg', 'math', 'meta', 'base', 'link']) {
      expect(html).not.toMatch(new RegExp(`<${element}\\b`, 'iu'));
    }
    expect(html).not.toMatch(/expression\s*\(/iu);
    expect(html).not.toMatch(/behavior/iu);
    expect(html).not.toMatch(/url\s*\(/iu);
    expect(html).not.toContain('@import');
    expect(html).not.toContain('escaped.png');
    expect(html).not.toContain('evil.example');
  });

  it('keeps the harmless content of the hostile message', async () => {
    // Prepare
    const path = 'hostile/script-html.eml';

    // Act
    const { parsed } = await parseFixture(path);
    const html = parsed.html ?? '';

    // Assess
    expect(html).toContain('<img width="1" height="1" alt="" data-mr-remote-src="https://tracker.example/pixel.gif" />');
    expect(html).toContain('<img alt="logo" src="cid:logo@acme.example" />');
    expect(html).toContain(
      '<a href="https://acme.example/aide" rel="noopener noreferrer nofollow" target="_blank">Centre d’aide</a>',
    );
    expect(html).toContain('<div style="color: blue">Texte important</div>');
    expect(html).toContain('<p style="color: green">Ancien IE</p>');
    expect(html).toMatch(/<style>\nbody \{ color: #333333 \}\n\.warning \{ color: red \}\np \{ margin: 0 0 8px \}\n<\/style>/u);
    expect(parsed.text).toContain('Votre compte sera suspendu sous 24 h. Cliquez ici');
    expect(parsed.text).not.toContain('document.cookie');
  });
});

describe('parseMail on header injection', () => {
  it('neutralises CR/LF decoded from encoded words and flags the message', async () => {
    // Prepare
    const path = 'hostile/header-injection.eml';

    // Act
    const { parsed } = await parseFixture(path);

    // Assess
    expect(parsed.flags).toContain('header-injection');
    expect(parsed.subject).toBe('Demande de rappel Bcc: victim@example.com hello');
    expect(parsed.from).toEqual({
      address: 'contact@formulaire.example',
      name: 'Formulaire de contact Bcc: spam-target@example.net',
    });
    expect(parsed.bcc).toEqual([]);
    expect(parsed.to).toEqual([{ address: 'support@acme.example', name: '' }]);
    for (const values of Object.values(parsed.headers)) {
      for (const value of values) {
        expect(value).not.toMatch(/[\r\n\0]/u);
      }
    }
    expect(parsed.headers['x-mailer']).toEqual(['PHP/8.1 .2']);
    expect(parsed.headers.bcc).toBeUndefined();
  });
});

describe('parseMail on prototype-probing header names', () => {
  it('flags __proto__/constructor/prototype headers and pollutes nothing', async () => {
    // Prepare
    const path = 'hostile/proto-headers.eml';
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

    // Act
    const { parsed, calls } = await parseFixture(path);

    // Assess
    expect(parsed.flags).toEqual(['suspicious-header-name']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(Object.getPrototypeOf(parsed.headers)).toBeNull();
    for (const name of ['__proto__', 'constructor', 'prototype', 'tostring', 'hasownproperty']) {
      expect(Object.prototype.hasOwnProperty.call(parsed.headers, name)).toBe(false);
    }
    expect(Object.keys(parsed.headers).sort()).toEqual(
      ['content-type', 'date', 'from', 'message-id', 'received', 'return-path', 'subject', 'to'].sort(),
    );
    expect(parsed.text).toBe('Nothing to see here.');
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]?.filename).toBe('__proto__');
    expect(calls[0]?.content.toString()).toBe('{"__proto__": {"polluted": "yes"}}');
  });
});
