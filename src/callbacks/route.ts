import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { Metrics } from '../metrics.js';
import { ROOM_EVENT_TYPES } from '../presence/events.js';
import { BodyError, decodeText, parseFormBody, parseJsonBody, type CallbackBody } from './body.js';
import { receiveCallback, type CallbackReceiver } from './receive.js';

export const CALLBACK_PATH = '/callbacks/zego';
export const CALLBACK_BODY_LIMIT = 64 * 1024;

/**
 * `POST /callbacks/zego`. Registered as its own Fastify plugin so that its body parsers (lossless
 * JSON, forms) and its JSON error answers apply to this route only, not to GraphQL.
 */
// Event names come from the sender: anything but the four tracked ones is counted as `other`.
const eventLabel = (event: string | undefined) => (event && (ROOM_EVENT_TYPES as readonly string[]).includes(event) ? event : 'other');

export function callbackRoutes(receiver: CallbackReceiver, metrics: Metrics) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: CALLBACK_BODY_LIMIT }, (_req, raw, done) => {
      try {
        done(null, parseJsonBody(decodeText(raw as Buffer)));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'buffer', bodyLimit: CALLBACK_BODY_LIMIT },
      (_req, raw, done) => {
        try {
          done(null, parseFormBody(decodeText(raw as Buffer)));
        } catch (error) {
          done(error as Error, undefined);
        }
      },
    );

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const answer = errorAnswer(error);
      metrics.callbacks.inc({ event: 'other', outcome: answer.error });
      if (answer.status >= 500) request.log.error({ err: error }, 'callback failed');
      else request.log.info({ outcome: answer.error, status: answer.status }, 'callback refused');
      return sendRefusal(reply, answer.status, answer.error, answer.message);
    });

    app.post(CALLBACK_PATH, { bodyLimit: CALLBACK_BODY_LIMIT }, async (request, reply) => {
      const started = performance.now();
      if (request.body === undefined || request.body === null) {
        const hasType = request.headers['content-type'] !== undefined;
        metrics.callbacks.inc({ event: 'other', outcome: hasType ? 'invalid_body' : 'unsupported_media_type' });
        return hasType
          ? sendRefusal(reply, 400, 'invalid_body', 'body is empty')
          : sendRefusal(reply, 415, 'unsupported_media_type', 'content type must be application/json or application/x-www-form-urlencoded');
      }
      const answer = await receiveCallback(receiver, request.body as CallbackBody);
      const seconds = (performance.now() - started) / 1000;
      const event = eventLabel(answer.summary.event);
      metrics.callbacks.inc({ event, outcome: answer.summary.outcome });
      if (answer.status === 200) metrics.callbackSeconds.observe({ event }, seconds);
      request.log.info({ ...answer.summary, status: answer.status, durationMs: Math.round(seconds * 100_000) / 100 }, 'callback');
      return reply.code(answer.status).send(answer.body);
    });
  };
}

function sendRefusal(reply: FastifyReply, status: number, error: string, message: string) {
  return reply.code(status).send({ ok: false, error, message });
}

function errorAnswer(error: FastifyError): { status: number; error: string; message: string } {
  if (error instanceof BodyError) return { status: 400, error: 'invalid_body', message: error.message };
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, error: 'body_too_large', message: `body exceeds ${CALLBACK_BODY_LIMIT / 1024} KiB` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        error: 'unsupported_media_type',
        message: 'content type must be application/json or application/x-www-form-urlencoded',
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, error: 'invalid_body', message: 'body is empty' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, error: 'invalid_body', message: 'body length does not match Content-Length' };
  }
  if (isDatabaseUnavailable(error)) {
    return { status: 503, error: 'database_unavailable', message: 'the database is unavailable; retry later' };
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, error: 'bad_request', message: error.message };
  }
  return { status: 500, error: 'internal_error', message: 'the callback could not be processed' };
}
