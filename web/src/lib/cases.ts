/**
 * The case API's shapes (`shared/api/routes-cases.ts`) and the paths the case screens use. No
 * imports, so tests can check the shapes against the API's schemas.
 */

interface MailAddress {
  address: string;
  name: string;
}

export interface CaseSummary {
  caseId: string;
  reference: string;
  title: string;
  status: 'open' | 'closed';
  contactId: string | null;
  organisationId: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  version: number;
  /** The case's inbound plus address: mail sent there lands in the case. */
  address: string | null;
}

export interface CaseTask {
  taskId: string;
  title: string;
  done: boolean;
  assignee: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface CaseDetail extends CaseSummary {
  tasks: CaseTask[];
  conversations: { conversationId: string; mailboxId: string; at: string }[];
}

export interface CaseCommunication {
  messageKey: string;
  conversationId: string | null;
  mailboxId: string | null;
  direction: 'inbound' | 'outbound';
  subject: string;
  from: MailAddress | null;
  date: string;
  receivedAt: string;
  via: 'conversation' | 'case-address' | 'import';
  forwardedBy: MailAddress | null;
  processed: boolean;
  taskId: string | null;
  emlUrl: string;
}

export interface CaseDocument {
  documentId: string;
  filename: string;
  contentType: string;
  size: number | null;
  kind: 'message' | 'attachment' | 'forwarded';
  messageKey: string | null;
  addedAt: string;
  addedBy: string;
  downloadUrl: string;
}

/** What `GET /api/conversations/{id}/links` answers. */
export interface ConversationLinks {
  conversationId: string;
  version: number;
  contactId: string | null;
  organisationId: string | null;
  case: { caseId: string; reference: string; title: string } | null;
  records: { type: string; id: string }[];
}

/** C-2026-0042, as the API checks it (case ignored). */
export const CASE_REFERENCE_SHAPE = /^C-\d{4}-\d{4,}$/i;

export function casePath(caseId?: string): string {
  return caseId ? `/cases/${encodeURIComponent(caseId)}` : '/cases';
}

export function caseApiPath(caseId: string): string {
  return `/api/cases/${encodeURIComponent(caseId)}`;
}
