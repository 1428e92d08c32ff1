/**
 * Bootstraps a deployed stack from an organisation seed file (the same format the local stack
 * reads from MAILROOM_SEED_FILE). Uses the caller's AWS credentials.
 *
 *   npm run seed -- --table <TableName from the stack outputs> --file org.json
 *
 * Idempotent: applying the same file twice changes nothing. Users must also exist in the Cognito
 * user pool with the same email to sign in (see README, "Deploy").
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ENV } from '../../shared/config/env.js';
import { parseSeed, SeedError } from '../../shared/org/seed.js';
import { seedOrganisation } from '../../shared/org/bootstrap.js';

const { values } = parseArgs({ options: { table: { type: 'string' }, file: { type: 'string' } } });
if (!values.table || !values.file) {
  console.error('usage: npm run seed -- --table <table name> --file <seed.json>');
  process.exit(2);
}
try {
  const seed = parseSeed(JSON.parse(readFileSync(values.file, 'utf8')));
  process.env[ENV.tableName] = values.table;
  await seedOrganisation(seed);
  console.log(`Seeded organisation "${seed.organisation.id}": ${seed.users.length} users, ${seed.mailboxes.length} mailboxes.`);
} catch (error) {
  console.error(error instanceof SeedError || error instanceof SyntaxError ? error.message : error);
  process.exit(1);
}
