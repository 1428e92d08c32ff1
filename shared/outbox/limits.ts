/** Limits of the outbox's bulk operations, shared by the API schemas and the use case. */
export const MAX_BULK_ITEMS_LIMIT = 100;
