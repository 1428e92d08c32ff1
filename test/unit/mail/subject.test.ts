import { describe, expect, it } from 'vitest';
import { isReplyOrForwardSubject, normalizeSubject } from '../../../shared/mail/subject.js';

describe('normalizeSubject', () => {
  it.each([
    ['Re: Facture', 'facture'],
    ['RE: Facture', 'facture'],
    ['RE : Facture', 'facture'],
    ['re:Facture', 'facture'],
    ['Re[2]: Facture', 'facture'],
    ['Re(3): Facture', 'facture'],
    ['Re^2: Facture', 'facture'],
    ['Re [2] : Facture', 'facture'],
    ['Fwd: Facture', 'facture'],
    ['FWD: Facture', 'facture'],
    ['Fw: Facture', 'facture'],
    ['TR: Facture', 'facture'],
    ['Tr : Facture', 'facture'],
    ['RÉF: Facture', 'facture'],
    ['Réf. : Facture', 'facture'],
    ['Ref: Facture', 'facture'],
    ['AW: Rechnung', 'rechnung'],
    ['WG: Rechnung', 'rechnung'],
    ['SV: Faktura', 'faktura'],
    ['VS: Lasku', 'lasku'],
    ['VB: Faktura', 'faktura'],
    ['RIF: Fattura', 'fattura'],
    ['R: Fattura', 'fattura'],
    ['Antw: Factuur', 'factuur'],
    ['Doorst: Factuur', 'factuur'],
    ['RV: Factura', 'factura'],
    ['ENC: Fatura', 'fatura'],
    ['Odp: Faktura', 'faktura'],
    ['YNT: Fatura', 'fatura'],
    ['İLT: Fatura', 'fatura'],
    ['ΑΠ: Τιμολόγιο', 'τιμολόγιο'],
    ['回复：发票', '发票'],
    ['Re: RE: Fwd: TR : Réf. : Facture', 'facture'],
    ['  Re:   Facture   du   mois  ', 'facture du mois'],
    ['Facture (fwd)', 'facture'],
    ['Facture\u00a0n°\u00a012', 'facture n° 12'],
    ['Re\u00a0: Facture', 'facture'],
    ['Facture', 'facture'],
    ['Re:', ''],
    ['', ''],
  ])('%j -> %j', (subject, expected) => {
    // Prepare
    const input = subject;

    // Act
    const key = normalizeSubject(input);

    // Assess
    expect(key).toBe(expected);
  });

  it.each([
    ['[Support] Imprimante', '[support] imprimante'],
    ['Re: [Support] Imprimante', '[support] imprimante'],
    ['[Support] Re: Imprimante', '[support] imprimante'],
    ['[Support] Re: [Support] Imprimante', '[support] imprimante'],
    ['RE : [Ticket #123] Imprimante', '[ticket #123] imprimante'],
  ])('keeps list tags but removes prefixes around them: %j -> %j', (subject, expected) => {
    // Prepare
    const input = subject;

    // Act
    const key = normalizeSubject(input);

    // Assess
    expect(key).toBe(expected);
  });

  it('keeps tickets with different tags apart', () => {
    // Prepare
    const first = 'Re: [Ticket #123] Imprimante';
    const second = 'Re: [Ticket #456] Imprimante';

    // Act
    const keys = [normalizeSubject(first), normalizeSubject(second)];

    // Assess
    expect(keys[0]).not.toBe(keys[1]);
  });

  it.each([
    'Rebooting: the server is back',
    'Refonte du site : point',
    'Tribunal : convocation',
    'Réunion : ordre du jour',
    'Aws: budget alert',
    'VSCode: extension',
    'Résumé: janvier',
  ])('does not take a word starting like a prefix for one: %j', (subject) => {
    // Prepare
    const input = subject;

    // Act
    const key = normalizeSubject(input);

    // Assess
    expect(key).toBe(input.toLowerCase());
    expect(isReplyOrForwardSubject(input)).toBe(false);
  });
});

describe('isReplyOrForwardSubject', () => {
  it.each([
    ['Re: Facture', true],
    ['RE : Facture', true],
    ['[Support] Re: Facture', true],
    ['Facture (fwd)', true],
    ['TR: Facture', true],
    ['Facture', false],
    ['[Support] Facture', false],
    ['', false],
  ])('%j -> %s', (subject, expected) => {
    // Prepare
    const input = subject;

    // Act
    const result = isReplyOrForwardSubject(input);

    // Assess
    expect(result).toBe(expected);
  });
});
