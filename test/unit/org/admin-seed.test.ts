/**
 * What the seed format says beyond users and mailboxes: departments, label definitions and
 * mailbox settings, validated like the admin API; and the index keys that let the admin screens
 * list users, admins and mailboxes with a Query.
 */
import { describe, expect, it } from 'vitest';
import { departmentIdFor, itemsFromModel } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed, parseSeed, SeedError } from '../../../shared/org/seed.js';

const base = {
  organisation: { id: 'acme', name: 'Acme', domains: ['acme.example'] },
  users: [{ email: 'ana@acme.example', name: 'Ana', orgAdmin: true }],
};

describe('seed: departments, labels and settings', () => {
  it('creates the departments mailboxes name, plus the declared empty ones, with their mailboxes', () => {
    const model = modelFromSeed(parseSeed({
      ...base,
      departments: [{ name: 'Ressources humaines' }],
      mailboxes: [
        { id: 'support', name: 'Support', kind: 'shared', department: 'Service client', addresses: ['support@acme.example'] },
        { id: 'sav', name: 'SAV', kind: 'shared', department: 'Service client', addresses: ['sav@acme.example'] },
      ],
    }));
    expect(model.departments).toEqual([
      { departmentId: 'ressources-humaines', orgId: 'acme', name: 'Ressources humaines', mailboxIds: [] },
      { departmentId: 'service-client', orgId: 'acme', name: 'Service client', mailboxIds: ['support', 'sav'] },
    ]);
    expect(model.mailboxExtras?.support).toEqual({ departmentId: 'service-client', labelDefinitions: [] });
  });

  it('keeps label definitions and settings in the shape the workflow reads', () => {
    const model = modelFromSeed(parseSeed({
      ...base,
      mailboxes: [{
        id: 'support', name: 'Support', kind: 'shared', addresses: ['support@acme.example'],
        labels: [{ name: 'urgent', color: '#c62828' }, { name: 'devis' }],
        settings: { assignmentMarksRead: true, responseDeadlineMinutes: 120, autoReassignAfterMinutes: null },
      }],
    }));
    expect(model.mailboxes[0]!.settings).toEqual({ assignmentMarksRead: true, responseDeadlineMinutes: 120, autoReassignAfterMinutes: null });
    expect(model.mailboxExtras?.support?.labelDefinitions).toEqual([{ name: 'urgent', color: '#c62828' }, { name: 'devis', color: null }]);
  });

  it('names the field of a bad setting, colour or duplicate label', () => {
    try {
      parseSeed({
        ...base,
        mailboxes: [{
          id: 'support', name: 'Support', kind: 'shared', addresses: ['support@acme.example'],
          labels: [{ name: 'urgent', color: 'red' }, { name: 'Devis' }, { name: 'devis' }],
          settings: { responseDeadlineMinutes: -5, snooze: true },
        }],
      });
      expect.unreachable('the seed is invalid');
    } catch (error) {
      expect(error).toBeInstanceOf(SeedError);
      const paths = (error as SeedError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining([
        'mailboxes.0.labels.0.color', 'mailboxes.0.labels.2.name', 'mailboxes.0.settings.responseDeadlineMinutes', 'mailboxes.0.settings',
      ]));
    }
  });

  it('indexes users, organisation admins and mailboxes for the admin lists', () => {
    const items = itemsFromModel(modelFromSeed(demoSeed));
    const camille = items.find((i) => i.PK === 'USER#camille@acme.test' && i.SK === 'USER');
    expect(camille).toMatchObject({ GSI1PK: 'ORG#demo#USERS', GSI1SK: 'camille@acme.test', GSI3PK: 'ORG#demo#ADMINS' });
    const julien = items.find((i) => i.PK === 'USER#julien@acme.test' && i.SK === 'USER');
    expect(julien).toMatchObject({ GSI1PK: 'ORG#demo#USERS' });
    expect(julien).not.toHaveProperty('GSI3PK');
    const support = items.find((i) => i.PK === 'MBX#support');
    expect(support).toMatchObject({ GSI1PK: 'ORG#demo#MAILBOXES', GSI1SK: 'support', departmentId: 'service-client', version: 1 });
    const department = items.find((i) => i.SK === 'DEPT#service-client');
    expect(department?.mailboxIds).toEqual(new Set(['support']));
  });

  it('derives department ids from names', () => {
    expect(departmentIdFor('Service client')).toBe('service-client');
    expect(departmentIdFor('  Comptabilité & Finances ')).toBe('comptabilite-finances');
    expect(departmentIdFor('***')).toBe('department');
  });
});
