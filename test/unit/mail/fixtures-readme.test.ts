import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from './helpers.js';

describe('test/fixtures/mail/README.md', () => {
  it('lists every fixture on disk, and only those', () => {
    // Prepare
    const readme = readFileSync(`${FIXTURES_DIR}README.md`, 'utf8');
    const onDisk = readdirSync(FIXTURES_DIR, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.eml'))
      .map((name) => name.split('\\').join('/'))
      .sort();

    // Act
    const listed = [...readme.matchAll(/^\| `([^`]+\.eml)` \|/gmu)].map((match) => match[1]).sort();

    // Assess
    expect(listed).toEqual(onDisk);
  });
});
