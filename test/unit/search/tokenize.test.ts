/** The one normalisation shared by the indexer and the query. */
import { describe, expect, it } from 'vitest';
import { fold, MAX_QUERY_TERMS, queryTerms, terms } from '../../../shared/search/tokenize.js';
import { MAX_TERMS_PER_MESSAGE, messageTerms } from '../../../shared/search/indexer.js';

describe('terms', () => {
  it('folds case and accents, so French typed without accents matches', () => {
    expect(fold('Échéance DÉPASSÉE, cœur')).toBe('echeance depassee, cœur');
    expect([...terms('Échéance dépassée')]).toEqual(['echeance', 'depassee']);
    expect(queryTerms('echeance DEPASSEE')).toEqual(['echeance', 'depassee']);
  });

  it('drops French and English stop words and too short or too long words', () => {
    expect([...terms("Bonjour, je vous écris pour la facture de l'entreprise and the invoice")]).toEqual(['bonjour', 'ecri', 'facture', 'entreprise', 'invoice']);
    expect([...terms(`x ${'a'.repeat(41)} ok`)]).toEqual(['ok']);
  });

  it('folds a final s so plural and singular match, on both sides', () => {
    expect(queryTerms('factures colis adresse')).toEqual(['facture', 'coli', 'adresse']);
    expect([...terms('facture coli')]).toEqual(['facture', 'coli']);
  });

  it('keeps an email address whole besides its words', () => {
    expect([...terms('De : Léa <lea.martin@client.test>')]).toEqual(['lea.martin@client.test', 'lea', 'martin', 'client', 'test']);
  });

  it('keeps numbers such as order references', () => {
    expect(queryTerms('Commande n° 1234-AB')).toEqual(['commande', '1234', 'ab']);
  });

  it('caps a query and a message', () => {
    expect(queryTerms('un deux trois quatre cinq six sept huit neuf')).toHaveLength(MAX_QUERY_TERMS);
    const body = Array.from({ length: 1000 }, (_, n) => `mot${n}`).join(' ');
    const found = messageTerms({ subject: 'Sujet important', from: { address: 'lea@client.test', name: 'Léa' }, to: [], cc: [], attachments: [] }, { text: body, html: null });
    expect(found).toHaveLength(MAX_TERMS_PER_MESSAGE);
    // Subject and participants come first, so the cap never drops them.
    expect(found.slice(0, 5)).toEqual(['sujet', 'important', 'lea@client.test', 'lea', 'client']);
  });

  it('indexes the sender\'s own words, not the quoted history of a reply (already indexed in the conversation)', () => {
    const text = 'Merci, reçu.\n\nLe lun. 2 nov. 2026 à 10:00, Support <support@acme.test> a écrit :\n> Votre colis zorglub est parti.\n';
    const found = messageTerms({ subject: 'Re: Colis', from: null, to: [], cc: [], attachments: [] }, { text, html: null });
    expect(found).toEqual(['re', 'coli', 'merci', 'recu']);
  });

  it('reads the text of an HTML-only body', () => {
    const found = messageTerms({ subject: '', from: null, to: [], cc: [], attachments: [] }, { text: '', html: '<p>Livraison <b>retardée</b></p><style>.x{color:red}</style>' });
    expect(found).toEqual(['livraison', 'retardee']);
  });
});
