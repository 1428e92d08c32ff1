import { describe, expect, it } from 'vitest';
import { domainOf, normalizeAddress, splitPlusAddress } from '../../../shared/mail/addresses.js';

describe('normalizeAddress', () => {
  it.each([
    ['Support@Acme.Example', 'support@acme.example'],
    ['  support@acme.example \t', 'support@acme.example'],
    ['<Support@Acme.Example>', 'support@acme.example'],
    [' < support@acme.example > ', 'support@acme.example'],
    ['', ''],
  ])('%j -> %j', (input, expected) => {
    // Prepare
    const address = input;

    // Act
    const result = normalizeAddress(address);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('splitPlusAddress', () => {
  it.each([
    ['support+tag@x.com', { base: 'support@x.com', tag: 'tag' }],
    ['Support+Billing@X.com', { base: 'support@x.com', tag: 'billing' }],
    ['support+case+42@x.com', { base: 'support@x.com', tag: 'case+42' }],
    ['support@x.com', { base: 'support@x.com', tag: null }],
    ['support+@x.com', { base: 'support@x.com', tag: null }],
    ['+tag@x.com', { base: '+tag@x.com', tag: null }],
    ['<support+tag@x.com>', { base: 'support@x.com', tag: 'tag' }],
    ['not-an-address', { base: 'not-an-address', tag: null }],
  ])('%j -> %o', (input, expected) => {
    // Prepare
    const address = input;

    // Act
    const result = splitPlusAddress(address);

    // Assess
    expect(result).toEqual(expected);
  });
});

describe('domainOf', () => {
  it.each([
    ['support@Acme.Example', 'acme.example'],
    ['"a@b"@example.org', 'example.org'],
    ['<x@example.net>', 'example.net'],
    ['no-domain', ''],
    ['trailing@', ''],
  ])('%j -> %j', (input, expected) => {
    // Prepare
    const address = input;

    // Act
    const result = domainOf(address);

    // Assess
    expect(result).toBe(expected);
  });
});
