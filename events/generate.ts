/**
 * Writes the JSON Schema of every event contract (shared/events/contracts.ts) to
 * `events/<name>.v<version>.schema.json`. Run `npm run events:schemas` after changing a contract;
 * test/unit/events checks the files are current and that no change breaks a consumer.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { eventJsonSchemas } from '../shared/events/json-schema.js';

const here = dirname(fileURLToPath(import.meta.url));
for (const { file, schema } of eventJsonSchemas()) {
  writeFileSync(join(here, file), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote events/${file}`);
}
