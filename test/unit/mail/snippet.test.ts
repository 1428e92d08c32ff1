import { describe, expect, it } from 'vitest';
import { makeSnippet } from '../../../shared/mail/snippet.js';

describe('makeSnippet', () => {
  it('collapses whitespace', () => {
    // Prepare
    const text = 'Bonjour,\n\n   merci\tpour votre   retour.\r\n';

    // Act
    const snippet = makeSnippet(text);

    // Assess
    expect(snippet).toBe('Bonjour, merci pour votre retour.');
  });

  it('drops an English attribution and the quoted tail under it', () => {
    // Prepare
    const text = 'Sounds good.\n\nOn Mon, Jan 13, 2025 at 10:02 AM Alice <alice@example.com> wrote:\n> Can we meet?\n>\n> Alice\n';

    // Act
    const snippet = makeSnippet(text);

    // Assess
    expect(snippet).toBe('Sounds good.');
  });

  it('drops a French attribution split over two lines and the quoted tail', () => {
    // Prepare
    const text = "D'accord pour jeudi.\n\nLe lun. 13 janv. 2025 à 10:02, Alice Martin <\nalice@example.com> a écrit :\n\n> Jeudi vous va ?\n";

    // Act
    const snippet = makeSnippet(text);

    // Assess
    expect(snippet).toBe("D'accord pour jeudi.");
  });

  it('keeps the attribution when answers are interleaved with the quote', () => {
    // Prepare
    const text = 'On Mon, Jan 13, 2025 Alice wrote:\n> Which day?\nThursday.\n> Which time?\n10am.\n';

    // Act
    const snippet = makeSnippet(text);

    // Assess
    expect(snippet).toBe('On Mon, Jan 13, 2025 Alice wrote: Thursday. 10am.');
  });

  it('drops an Outlook "-----Original Message-----" block', () => {
    // Prepare
    const text = 'Voir ci-dessous.\n\n-----Original Message-----\nFrom: Alice\nSent: Monday\nSubject: Test\n\nOld text';

    // Act
    const snippet = makeSnippet(text);

    // Assess
    expect(snippet).toBe('Voir ci-dessous.');
  });

  it('drops an Outlook header block under an underscore rule', () => {
    // Prepare
    const text = 'Merci.\n\n________________________________\nDe : Alice <alice@example.com>\nEnvoyé : lundi 13 janvier 2025 10:02\nObjet : Test\n\nAncien texte';

    // Act
    const snippet = makeSnippet(text);

    // Assess
    expect(snippet).toBe('Merci.');
  });

  it('drops a signature after "-- "', () => {
    // Prepare
    const text = 'Le colis est parti.\n-- \nJean Dupont\nDirecteur';

    // Act
    const snippet = makeSnippet(text);

    // Assess
    expect(snippet).toBe('Le colis est parti.');
  });

  it('uses the whole text when nothing of the sender is left', () => {
    // Prepare
    const text = '> only a quote\n> nothing else';

    // Act
    const snippet = makeSnippet(text);

    // Assess
    expect(snippet).toBe('> only a quote > nothing else');
  });

  it('cuts at a word boundary with an ellipsis, within max', () => {
    // Prepare
    const text = 'Le devis pour la rénovation de la salle de réunion est prêt et vous sera envoyé demain matin.';

    // Act
    const snippet = makeSnippet(text, 40);

    // Assess
    expect(snippet).toBe('Le devis pour la rénovation de la salle…');
    expect(snippet.length).toBeLessThanOrEqual(40);
  });

  it('cuts a long word when there is no boundary in reach', () => {
    // Prepare
    const text = 'x'.repeat(500);

    // Act
    const snippet = makeSnippet(text, 20);

    // Assess
    expect(snippet).toBe(`${'x'.repeat(19)}…`);
  });

  it('returns short text unchanged and empty text empty', () => {
    // Prepare
    const texts = ['Merci !', ''];

    // Act
    const snippets = texts.map((text) => makeSnippet(text));

    // Assess
    expect(snippets).toEqual(['Merci !', '']);
  });

  it('limits to 160 characters by default', () => {
    // Prepare
    const text = 'mot '.repeat(100);

    // Act
    const snippet = makeSnippet(text);

    // Assess
    expect(snippet.length).toBeLessThanOrEqual(160);
    expect(snippet.endsWith('mot…')).toBe(true);
  });
});
