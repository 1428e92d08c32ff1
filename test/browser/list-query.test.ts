/**
 * The list's URL state and the API request it makes (web/src/lib/list-query.ts): qualification and
 * department round-trip through the URL and count as filters; a department switches to the merged
 * list (or search) across its mailboxes; the trash is the mailbox's trashed list, other filters aside.
 */
import { describe, expect, it } from 'vitest';
import { advancedFilterCount, apiListPath, EMPTY_QUERY, listQueryString, parseListQuery } from '../../web/src/lib/list-query.js';

describe('list query', () => {
  it('keeps qualification, department and the trash view in the URL', () => {
    const query = parseListQuery(new URLSearchParams('department=Service+client&qualification=q1&status=todo&view=trash'));
    expect(query).toEqual({ ...EMPTY_QUERY, department: 'Service client', qualification: 'q1', status: 'todo', view: 'trash' });
    expect(listQueryString(query)).toBe('status=todo&qualification=q1&department=Service+client&view=trash');
    expect(parseListQuery(new URLSearchParams('view=bin')).view).toBeNull();
    expect(advancedFilterCount({ ...EMPTY_QUERY, department: 'Commercial', qualification: 'q1', status: 'todo' })).toBe(2);
  });

  it('asks the mailbox, the department or the trash for the page', () => {
    expect(apiListPath('support', { ...EMPTY_QUERY, qualification: 'q1' }, null, 50))
      .toBe('/api/mailboxes/support/conversations?limit=50&qualification=q1');
    expect(apiListPath('support', { ...EMPTY_QUERY, department: 'Service client', status: 'todo', qualification: 'q1' }, 'c1', 100))
      .toBe('/api/conversations?limit=100&department=Service+client&status=todo&qualification=q1&cursor=c1');
    expect(apiListPath('support', { ...EMPTY_QUERY, department: 'Commercial', q: 'devis' }, null, 100))
      .toBe('/api/search?q=devis&limit=50&department=Commercial');
    expect(apiListPath('support', { ...EMPTY_QUERY, view: 'trash', label: 'urgent' }, null, 50))
      .toBe('/api/mailboxes/support/conversations?trashed=true&limit=50');
  });

  it('lists the archived and snoozed shelves with the filters, without search; snoozed is per mailbox', () => {
    expect(parseListQuery(new URLSearchParams('view=archived&label=urgent')).view).toBe('archived');
    expect(parseListQuery(new URLSearchParams('view=snoozed')).view).toBe('snoozed');
    expect(apiListPath('support', { ...EMPTY_QUERY, view: 'archived', label: 'urgent', q: 'devis' }, null, 50))
      .toBe('/api/mailboxes/support/conversations?limit=50&archived=true&label=urgent');
    expect(apiListPath('support', { ...EMPTY_QUERY, view: 'archived', department: 'Service client' }, 'c1', 100))
      .toBe('/api/conversations?limit=100&department=Service+client&archived=true&cursor=c1');
    expect(apiListPath('support', { ...EMPTY_QUERY, view: 'snoozed', department: 'Service client', assignee: 'me' }, null, 50))
      .toBe('/api/mailboxes/support/conversations?limit=50&snoozed=true&assignee=me');
  });
});
