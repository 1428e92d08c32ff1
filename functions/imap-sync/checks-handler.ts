/**
 * Account-checks function: the connection test and the deliverability check of email accounts
 * (shared/accounts/check-routes.ts). Separate from the API function because it carries the
 * IMAP and SMTP clients and the SES client, which the API's cold start should not pay for.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ENV, requireEnv } from '../../shared/config/env.js';
import { endpointFor, getDocumentClient } from '../../shared/adapters/aws.js';
import { Table } from '../../shared/adapters/dynamodb-table.js';
import { createAccountCheckRoutes } from '../../shared/accounts/check-routes.js';
import type { AccountCheckDeps } from '../../shared/accounts/checks.js';
import { cipherFromEnv } from '../../shared/accounts/cipher-env.js';
import { nodeDnsLookup } from '../../shared/accounts/deliverability.js';
import { AccountRepository } from '../../shared/accounts/repository.js';
import { SesV2IdentityReader } from '../../shared/accounts/ses-identity.js';
import { createRoutedHandler, type RoutedHandler } from '../../shared/api/router.js';
import { testImap, testSmtp } from '../../shared/connectors/test-connection.js';
import { Directory } from '../../shared/org/directory.js';
import { systemClock } from '../../shared/ports/index.js';

export function createAccountChecksHandler(deps: AccountCheckDeps & { directory: Directory }): RoutedHandler {
  return createRoutedHandler(createAccountCheckRoutes(deps));
}

function depsFromEnv(): AccountCheckDeps & { directory: Directory } {
  const table = new Table(getDocumentClient(), requireEnv(ENV.tableName));
  const ses = endpointFor('ses');
  return {
    accounts: new AccountRepository(table), directory: new Directory(table), cipher: cipherFromEnv(),
    ses: new SesV2IdentityReader(new SESv2Client(ses === undefined ? {} : { endpoint: ses })),
    dns: nodeDnsLookup(), clock: systemClock, testImap, testSmtp,
  };
}

let routed: RoutedHandler | undefined;

export const handler = middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2>()
  .handler((event) => {
    routed ??= createAccountChecksHandler(depsFromEnv());
    return routed(event);
  });
