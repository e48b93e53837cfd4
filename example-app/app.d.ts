// Types of app.js, for the TypeScript tests that create the example in-process.
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import type { InnopaasWebhookMiddleware } from '../lib';

export interface DeliverySummary {
  seq: number;
  receivedAt: string;
  method: string;
  /** The status answered, or null when the client hung up before the answer. */
  status: number | null;
  eventId: string | null;
  eventType: string | null;
  messageType: string | null;
  outcome: string;
  problems: { path: string; message: string }[];
  durationMs: number;
}

export interface ExampleInspector {
  router: unknown;
  recordDelivery: (req: unknown, res: unknown, next: () => void) => void;
  note: (req: unknown, facts: Record<string, unknown>) => void;
  /** Summaries, newest first. */
  deliveries: () => DeliverySummary[];
  /** Ends the event streams (for shutdown); resolves once they are sent. */
  close: () => Promise<void>;
}

export interface ExampleAppOptions {
  userName: string;
  authorization: string;
  inspector?: { enabled?: boolean; userName?: string; password?: string; max?: number; now?: () => Date };
  log?: (line: string) => void;
  ack?: 'after-handlers' | 'immediately';
  express?: () => Express;
}

export function createExampleApp(options: ExampleAppOptions): {
  app: Express;
  webhook: InnopaasWebhookMiddleware;
  inspector: ExampleInspector | null;
  /** The prom-client registry served at `/metrics`. */
  registry: Registry;
};
