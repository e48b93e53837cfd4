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

/** A message's latest status, as the example's status handler keeps it. */
export interface MessageStatusEntry {
  id: string;
  wamid: string;
  /** The latest status: never replaced by an older report. */
  status: string;
  /** The error code of the report that set a failure, or null. */
  error: string | null;
  /** The status of the last report to arrive, kept or not. */
  lastReport: string;
  reports: number;
  updatedAt: string;
}

export interface ExampleMessageStatuses {
  record(body: { id: string; wamid: string; status: string }): { replaced: boolean; kept: string };
  /** Most recently reported first. */
  list(): MessageStatusEntry[];
  subscribe(listener: (entry: MessageStatusEntry) => void): () => void;
}

export interface ExampleInspector {
  router: unknown;
  recordDelivery: (req: unknown, res: unknown, next: () => void) => void;
  note: (req: unknown, facts: Record<string, unknown>) => void;
  /** Queue mode: the job of `eventId` changed state (queued, active, done, retrying, failed: …). */
  noteJob: (eventId: string, state: string) => void;
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
  messages: ExampleMessageStatuses;
  /** The prom-client registry served at `/metrics`. */
  registry: Registry;
};
