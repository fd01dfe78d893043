/**
 * The pipeline function, triggered by the state table's DynamoDB stream (NEW_IMAGE). A record whose
 * new image is `approved` (an approval) or `running` (a Retry, a change, a cancel, a guest page
 * refresh, or a run a timed-out instance left behind) starts `service.run(id)`. Redelivery is harmless: the runner claims each step with a
 * conditional write and skips steps already done, so a second delivery of the same record writes
 * nothing. Records of one booking arrive in order on one shard, so the `running` images a run
 * writes itself are delivered after that run has finished, and find nothing left to do.
 *
 * Handler: `index.handler` (the bundle's index.js); partial batch responses (ReportBatchItemFailures).
 */
import { buildLambdaApp, type LambdaApp, type LambdaAppOptions } from './lambda-app';
import { BookingNotFoundError } from './pipeline/errors';
import { ACTIVE_STATES } from './pipeline/state-machine';
import type { BookingState } from './pipeline/types';

/** The part of a DynamoDB Streams record this handler reads (attribute values in DynamoDB JSON). */
export interface StreamRecord {
  eventID?: string;
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  dynamodb?: {
    Keys?: Record<string, { S?: string }>;
    NewImage?: Record<string, { S?: string; N?: string }>;
    SequenceNumber?: string;
  };
}

export interface DynamoDBStreamEvent {
  Records: StreamRecord[];
}

export interface StreamBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface BookingToRun {
  id: string;
  /** The first record of this booking in the batch: where Lambda restarts if its run fails. */
  sequenceNumber: string;
}

const STARTS_A_RUN: readonly BookingState[] = ACTIVE_STATES;

/** Distinct bookings whose new image is in a state that starts (or resumes) a run, in batch order. */
export function bookingsToRun(event: DynamoDBStreamEvent): BookingToRun[] {
  const out = new Map<string, BookingToRun>();
  for (const record of event.Records ?? []) {
    if (record.eventName === 'REMOVE') continue;
    const image = record.dynamodb?.NewImage;
    const id = image?.id?.S ?? record.dynamodb?.Keys?.id?.S;
    const state = image?.state?.S as BookingState | undefined;
    if (!id || !state || !STARTS_A_RUN.includes(state) || out.has(id)) continue;
    out.set(id, { id, sequenceNumber: record.dynamodb?.SequenceNumber ?? record.eventID ?? id });
  }
  return [...out.values()];
}

/**
 * What EventBridge Scheduler sends (infra/template.yaml, every minute): run the periodic tasks
 * once — the sweeper resumes bookings whose pipeline function died mid-run (its stream record was
 * already consumed), and reminders and feeds run on the same tick.
 */
export interface ScheduledTick {
  charterTick: 'periodic';
}

export function isScheduledTick(event: unknown): event is ScheduledTick {
  return typeof event === 'object' && event !== null && (event as { charterTick?: unknown }).charterTick === 'periodic';
}

export interface PipelineLambda {
  app: LambdaApp;
  handle(event: DynamoDBStreamEvent | ScheduledTick, context: unknown): Promise<StreamBatchResponse>;
}

export async function createPipelineHandler(options: LambdaAppOptions = {}): Promise<PipelineLambda> {
  const app = await buildLambdaApp(options);
  return {
    app,
    async handle(event) {
      if (isScheduledTick(event)) {
        await app.built.periodic.runOnce();
        // Runs the sweeper started finish (or fail) inside this invocation; the Lambda timeout bounds it.
        await app.built.settle();
        return { batchItemFailures: [] };
      }
      const todo = bookingsToRun(event);
      const failures: { itemIdentifier: string }[] = [];
      // A booking that ends `failed` is not a batch failure: it waits for a person's Retry. Only a
      // run that could not proceed (store unreachable, contention) is handed back for redelivery.
      await Promise.all(
        todo.map(async ({ id, sequenceNumber }) => {
          try {
            const record = await app.built.service.run(id);
            app.log.info({ bookingId: id, state: record.state }, 'pipeline run finished');
          } catch (err) {
            if (err instanceof BookingNotFoundError) {
              // Deleted since the record was written: a redelivery would find nothing either.
              app.log.warn({ bookingId: id }, 'stream record for a booking no longer in the table; skipped');
              return;
            }
            app.log.error({ err, bookingId: id }, 'pipeline run could not proceed; the batch item is retried');
            failures.push({ itemIdentifier: sequenceNumber });
          }
        }),
      );
      // The thread's last progress update, and the Home tabs of everyone who opened one (through the
      // Slack function: the stored viewers), must leave before the instance freezes.
      await app.built.settle();
      return { batchItemFailures: failures };
    },
  };
}

let instance: Promise<PipelineLambda> | undefined;

export async function handler(event: DynamoDBStreamEvent | ScheduledTick, context: unknown): Promise<StreamBatchResponse> {
  instance ??= createPipelineHandler().catch((err: unknown) => {
    instance = undefined;
    throw err;
  });
  return (await instance).handle(event, context);
}
