/** The address book's shapes as the API sends them (`shared/api/routes-contacts.ts`); no imports, so tests can check them against the API's schemas. */

/** One address of a contact, as `GET /api/contacts?q=` suggests it. */
export interface ContactSuggestion {
  contactId: string;
  fullName: string;
  email: string;
  organisationId: string | null;
}

export interface Contact {
  contactId: string;
  fullName: string;
  emails: string[];
  organisationId: string | null;
  source: 'participant' | 'manual';
  createdAt: string;
  updatedAt: string;
  version: number;
}
