/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent`: `00-<trace-id>-<parent-id>-<flags>`.
 * The gateway continues an incoming one (or starts a trace), every process logs the trace id, and each outgoing
 * gRPC call carries it in the `traceparent` metadata with a span id of its own, so one request can be followed
 * across the five processes by its trace id.
 */
import { randomHex } from './ids.js';

export interface TraceContext {
  traceId: string;
  spanId: string;
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The caller's context, or undefined when the header is absent or invalid (the spec says: start a new trace). */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (!header || header.length > 512) return undefined;
  const m = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags };
}

/** Span and trace ids from the process's pooled CSPRNG block (ids.ts). */
export const newSpanId = () => randomHex(8);

/** This process's span of a trace: the caller's trace id (or a new one) and a span id of our own. */
export function continueTrace(parent: TraceContext | undefined): TraceContext {
  return parent
    ? { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags }
    : { traceId: randomHex(16), spanId: newSpanId(), flags: '00' };
}

export function formatTraceparent(t: TraceContext): string {
  return `00-${t.traceId}-${t.spanId}-${t.flags}`;
}
