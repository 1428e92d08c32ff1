/**
 * What SES says about the identity an SES account sends as: whether it is verified for sending and
 * the state of its Easy DKIM keys. An address is covered by its own identity or by its domain's.
 * See https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetEmailIdentity.html
 */
import { GetEmailIdentityCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { AccountCheckStep } from './model.js';

export interface SesIdentityState {
  /** The identity that covers the address (the address itself, or its domain), or null when SES knows neither. */
  identity: string | null;
  verifiedForSending: boolean;
  /** SES's DKIM status: SUCCESS, PENDING, FAILED, TEMPORARY_FAILURE, NOT_STARTED, or null. */
  dkimStatus: string | null;
  /** Easy DKIM tokens: each is published as `<token>._domainkey.<domain>` CNAME `<token>.dkim.amazonses.com`. */
  dkimTokens: string[];
}

export interface SesIdentityReader {
  read(address: string): Promise<SesIdentityState>;
}

export class SesV2IdentityReader implements SesIdentityReader {
  constructor(private readonly ses: SESv2Client) {}

  async read(address: string): Promise<SesIdentityState> {
    const domain = address.split('@')[1] ?? address;
    for (const identity of address.includes('@') ? [address, domain] : [domain]) {
      try {
        const out = await this.ses.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
        // An address identity signs with its domain's DKIM keys: keep looking for those if it has none.
        if (identity !== domain && out.VerifiedForSendingStatus !== true) continue;
        return {
          identity, verifiedForSending: out.VerifiedForSendingStatus === true,
          dkimStatus: out.DkimAttributes?.Status ?? null, dkimTokens: out.DkimAttributes?.Tokens ?? [],
        };
      } catch (error) {
        if ((error as Error).name !== 'NotFoundException') throw error;
      }
    }
    return { identity: null, verifiedForSending: false, dkimStatus: null, dkimTokens: [] };
  }
}

/** The SES identity as check steps, in plain words with what to do. */
export function sesIdentitySteps(address: string, state: SesIdentityState): AccountCheckStep[] {
  if (state.identity === null) {
    return [{
      step: 'ses-identity', ok: false, message: `SES does not know ${address} nor its domain.`, serverMessage: null,
      hint: `Verify the domain ${address.split('@')[1] ?? ''} in the SES console (or with CreateEmailIdentity) and publish the DKIM records shown by the deliverability check.`,
    }];
  }
  const identity: AccountCheckStep = state.verifiedForSending
    ? { step: 'ses-identity', ok: true, message: `${state.identity} is verified for sending in SES.`, serverMessage: null, hint: null }
    : { step: 'ses-identity', ok: false, message: `${state.identity} is not verified for sending yet.`, serverMessage: null, hint: 'Publish the DKIM records of the deliverability check; SES verifies the domain once it sees them (up to 72 hours).' };
  const dkimOk = state.dkimStatus === 'SUCCESS';
  const dkim: AccountCheckStep = {
    step: 'ses-dkim', ok: dkimOk,
    message: dkimOk ? 'DKIM signing is active.' : `DKIM is ${(state.dkimStatus ?? 'not set up').toLowerCase().replace(/_/g, ' ')}.`,
    serverMessage: state.dkimStatus, hint: dkimOk ? null : 'Publish the three DKIM CNAME records listed by the deliverability check.',
  };
  return [identity, dkim];
}
