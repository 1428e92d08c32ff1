/**
 * An in-process DynamoDB (dynalite) with the Mailroom table, for domain tests that need real
 * DynamoDB semantics (conditions, indexes, sets) without the whole local stack.
 */
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableInput } from '../../shared/model/table.js';
import { DynamoMeter, Table } from '../../shared/adapters/dynamodb-table.js';

export interface TestTable {
  table: Table;
  meter: DynamoMeter;
  client: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

export async function startTestTable(name = `t${Date.now()}${Math.floor(Math.random() * 1e6)}`): Promise<TestTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const raw = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await raw.send(new CreateTableCommand(createTableInput(name)));
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const meter = new DynamoMeter();
  return {
    table: new Table(client, name, meter),
    meter,
    client,
    stop: async () => {
      raw.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
