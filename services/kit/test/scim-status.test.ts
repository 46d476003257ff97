import { describe, expect, it } from '@jest/globals';
import { grpcStatusOf } from '../src/errors.js';
import { grpcCodeOfScimStatus, scimFaultOf, scimFaultToAppError } from '../src/scim-status.js';
import { status } from '@grpc/grpc-js';

describe('the one SCIM fault mapping', () => {
  it('derives the gRPC code from the SCIM status and carries the status once', () => {
    const e = scimFaultToAppError(412, 'changed meanwhile');
    expect(grpcStatusOf[e.code]).toBe(status.FAILED_PRECONDITION);
    expect(e.meta).toEqual({ 'scim-status': '412' });
    expect(e.reason).toBeUndefined();
    expect(scimFaultToAppError(409, 'dup', 'uniqueness').meta).toEqual({
      'scim-status': '409',
      'scim-type': 'uniqueness',
    });
    expect(grpcCodeOfScimStatus(413)).toBe('RESOURCE_EXHAUSTED');
    expect(grpcCodeOfScimStatus(404)).toBe('NOT_FOUND');
  });

  it('reads the status and scimType back, ignoring anything that is not a SCIM fault', () => {
    const md: Record<string, string> = { 'scim-status': '409', 'scim-type': 'uniqueness' };
    expect(scimFaultOf((k) => md[k])).toEqual({ status: 409, scimType: 'uniqueness' });
    expect(scimFaultOf(() => undefined)).toBeUndefined();
    expect(scimFaultOf((k) => (k === 'scim-status' ? 'x' : undefined))).toBeUndefined();
    expect(scimFaultOf((k) => (k === 'scim-status' ? '200' : undefined))).toBeUndefined();
  });
});
