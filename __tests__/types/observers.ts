// Compile-only: the README's Observability blocks for a queue worker, against the library's sources.
import { Queue } from 'bullmq';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createWorker } from '../../lib/integrations/bullmq';
import { prometheusMetrics } from '../../lib/integrations/metrics';
import { openTelemetry } from '../../lib/integrations/otel';

declare const connection: { url: string };
const registry = new Registry();
const queue = new Queue('innopaas', { connection });

const metrics = prometheusMetrics({ registry });
metrics.watchQueue(queue, 'innopaas');
const worker = createWorker({
  queueName: 'innopaas',
  connection,
  on: { whatsapp_mo_message_received: async (_event, { signal, attempt }) => Promise.resolve(signal.aborted || attempt > 1) },
  observers: [metrics, openTelemetry()],
  logger: pino(),
});
void worker.close();

// @ts-expect-error -- observers is a list of DeliveryObserver
createWorker({ queueName: 'innopaas', connection, observers: [{}] });
