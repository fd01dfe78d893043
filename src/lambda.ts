/**
 * The Slack function: Slack → Function URL → Bolt's AwsLambdaReceiver. It acks, validates, writes
 * state and opens views. It never runs the pipeline (Lambda freezes the instance once the response
 * is returned): an approval only writes `approved`, a guest page refresh only writes its request,
 * and the state table's stream starts the pipeline function (src/lambda-pipeline.ts).
 *
 * Handler: `index.handler` (the bundle's index.js), two arguments and a promise (the template deploys nodejs22.x; Node 24's runtime rejects callbacks outright).
 */
import type { AwsLambdaReceiver } from '@slack/bolt';
import { buildLambdaApp, LambdaConfigError, type LambdaApp, type LambdaAppOptions } from './lambda-app';
import { answerWhileMisconfigured } from './slack/misconfigured-answer';
import { isFromTheFuture } from './slack/request-guard';
import { refusedRequestWarner } from './slack/refusal-log';

type AwsHandler = ReturnType<AwsLambdaReceiver['toHandler']>;
export type SlackLambdaEvent = Parameters<AwsHandler>[0];
export type SlackLambdaResult = Awaited<ReturnType<AwsHandler>>;

export interface SlackLambda {
  app: LambdaApp;
  handle(event: SlackLambdaEvent, context: unknown): Promise<SlackLambdaResult>;
}

export async function createSlackHandler(options: LambdaAppOptions = {}): Promise<SlackLambda> {
  const app = await buildLambdaApp(options);
  const receive = app.receiver.toHandler();
  const warnRefused = refusedRequestWarner(app.log);
  return {
    app,
    async handle(event, context) {
      // Bolt refuses stale timestamps only; one more than 5 minutes ahead is refused here.
      if (isFromTheFuture(event.headers ?? {}, Date.now())) {
        warnRefused('timestamp more than 5 minutes in the future');
        return { statusCode: 401, body: '' };
      }
      try {
        return await receive(event, context);
      } finally {
        // Before the response: after it the instance may be frozen mid-request.
        await app.built.settle();
      }
    },
  };
}

/**
 * The function's entry point for `options` (default: process.env). Built once per instance (cold
 * start); a failed build is retried by the next invocation. While the configuration is refused,
 * /charter is answered with why (src/slack/misconfigured-answer.ts).
 */
export function slackLambdaHandler(options: LambdaAppOptions = {}): (event: SlackLambdaEvent, context: unknown) => Promise<SlackLambdaResult> {
  let instance: Promise<SlackLambda> | undefined;
  return async (event, context) => {
    instance ??= createSlackHandler(options).catch((err: unknown) => {
      instance = undefined;
      throw err;
    });
    let slack: SlackLambda;
    try {
      slack = await instance;
    } catch (err) {
      const answer = err instanceof LambdaConfigError ? answerWhileMisconfigured(err.problems, event, options.env ?? process.env) : undefined;
      if (answer) return answer;
      throw err;
    }
    return slack.handle(event, context);
  };
}

export const handler = slackLambdaHandler();
