import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/** What the wallet asks a payment provider to do. `paymentId` is our reference, echoed in callbacks. */
export interface PaymentRequest {
  readonly paymentId: string;
  readonly kind: 'deposit' | 'withdrawal';
  readonly amountCents: bigint;
  readonly playerId: string;
}

/** The provider's immediate answer: done, refused, or to be confirmed by a signed callback. */
export interface PaymentAnswer {
  readonly status: 'completed' | 'pending' | 'failed';
  /** The provider's own reference (unique per provider). */
  readonly reference: string;
}

/** A payment service provider (card acquirer, bank transfer…). */
export interface PaymentProvider {
  /** Stored with each payment; (provider, reference) is unique. */
  readonly name: string;
  start(request: PaymentRequest): Promise<PaymentAnswer>;
}

/** A verified callback of the sandbox provider. */
export interface SandboxCallback {
  readonly paymentId: string;
  readonly reference: string;
  readonly status: 'completed' | 'failed';
}

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`. */
export const SANDBOX_SIGNATURE_HEADER = 'x-sandbox-signature';

/**
 * The local sandbox provider. `instant` answers completed at once; `webhook` answers pending and
 * the payment completes when {@link SandboxPaymentProvider.callback}'s signed body is posted to the
 * webhook endpoint (as a real provider would). `refuse` lets a test make the next answers fail.
 */
export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = 'sandbox';
  readonly started: PaymentRequest[] = [];
  refuse = false;

  constructor(
    private readonly options: {
      readonly mode: 'instant' | 'webhook';
      readonly secret: string;
      readonly now?: () => Date;
    },
  ) {
    if (options.secret.length < 32) throw new RangeError('the sandbox webhook secret needs at least 32 characters');
  }

  start(request: PaymentRequest): Promise<PaymentAnswer> {
    this.started.push(request);
    const reference = `sbx_${randomUUID()}`;
    if (this.refuse) return Promise.resolve({ status: 'failed', reference });
    return Promise.resolve({ status: this.options.mode === 'instant' ? 'completed' : 'pending', reference });
  }

  /** The signed callback the sandbox would send for a payment (body and signature header). */
  callback(
    event: SandboxCallback,
    at: Date = (this.options.now ?? (() => new Date()))(),
  ): { body: string; signature: string } {
    const body = JSON.stringify(event);
    return { body, signature: signSandbox(this.options.secret, body, Math.floor(at.getTime() / 1000)) };
  }
}

/** `t=…,v1=…` for a body. */
export function signSandbox(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * Verifies a sandbox signature header over the raw body, in constant time, within `toleranceSeconds`
 * of `now` (an old callback replayed later is refused; a fresh replay is harmless: completion is
 * idempotent).
 */
export function verifySandboxSignature(
  secret: string,
  rawBody: Buffer,
  header: string | undefined,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  if (!header) return false;
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}
