/** Applies an organisation seed to the table configured in the environment (local stack or AWS). */
import { ENV, requireEnv } from '../config/env.js';
import { getDocumentClient } from '../adapters/aws.js';
import { Table } from '../adapters/dynamodb-table.js';
import { Directory } from './directory.js';
import { modelFromSeed, type Seed } from './seed.js';

export async function seedOrganisation(seed: Seed): Promise<void> {
  const directory = new Directory(new Table(getDocumentClient(), requireEnv(ENV.tableName)));
  await directory.save(modelFromSeed(seed));
}
