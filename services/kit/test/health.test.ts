/** grpc.health.v1 as Kubernetes probes, `npm start` and other gRPC clients ask it: Check, List and Watch. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as S,
  HealthClient,
  type HealthCheckResponse,
  type HealthListResponse,
} from '../../../proto/gen/grpc/health/v1/health.js';
import { addHealth, healthChecker, setServing, type HealthStatuses } from '../src/health.js';

describe('grpc.health.v1', () => {
  const server = new Server();
  let health: HealthStatuses;
  let address = '';
  let client: InstanceType<typeof HealthClient>;
  beforeAll(async () => {
    health = addHealth(server, ['demo.v1.DemoService']);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    address = `127.0.0.1:${port}`;
    client = new HealthClient(address, credentials.createInsecure());
  });
  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  const check = (service: string) =>
    new Promise<HealthCheckResponse | ServiceError>((resolve) =>
      client.check({ service }, (err, res) => resolve(err ?? res)),
    );

  it('answers Check for the server and each service, NOT_FOUND for others, and follows setServing', async () => {
    expect(await check('')).toEqual({ status: S.NOT_SERVING });
    expect(await check('demo.v1.DemoService')).toEqual({ status: S.NOT_SERVING });
    expect(await check('other.v1.Other')).toMatchObject({ code: status.NOT_FOUND });
    setServing(health, ['demo.v1.DemoService'], true);
    expect(await check('')).toEqual({ status: S.SERVING });
    const checker = healthChecker(address);
    expect(await checker.check('demo.v1.DemoService')).toBe('SERVING');
    expect(await checker.check('other.v1.Other')).toBe('UNREACHABLE');
    setServing(health, ['demo.v1.DemoService'], false);
    expect(await checker.check()).toBe('NOT_SERVING');
    checker.close();
    expect(await healthChecker('127.0.0.1:1').check('', 300)).toBe('UNREACHABLE');
  });

  it('lists every service with its status', async () => {
    setServing(health, ['demo.v1.DemoService'], true);
    const listed = await new Promise<HealthListResponse>((resolve, reject) =>
      client.list({}, (err, res) => (err ? reject(err) : resolve(res))),
    );
    expect(listed.statuses).toEqual({ '': { status: S.SERVING }, 'demo.v1.DemoService': { status: S.SERVING } });
  });

  it('Watch sends the status now, then each change, and SERVICE_UNKNOWN for an unknown service', async () => {
    setServing(health, ['demo.v1.DemoService'], true);
    const seen: S[] = [];
    const watch = client.watch({ service: 'demo.v1.DemoService' }, new Metadata());
    watch.on('data', (r: HealthCheckResponse) => seen.push(r.status));
    watch.on('error', () => undefined);
    const until = async (n: number) => {
      for (let i = 0; seen.length < n && i < 200; i++) await new Promise((r) => setTimeout(r, 5));
    };
    await until(1);
    setServing(health, ['demo.v1.DemoService'], false);
    setServing(health, ['demo.v1.DemoService'], false); // no change, nothing sent
    setServing(health, ['demo.v1.DemoService'], true);
    await until(3);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([S.SERVING, S.NOT_SERVING, S.SERVING]);
    watch.cancel();

    const unknown: S[] = [];
    const other = client.watch({ service: 'other.v1.Other' }, new Metadata());
    other.on('data', (r: HealthCheckResponse) => unknown.push(r.status));
    other.on('error', () => undefined);
    for (let i = 0; !unknown.length && i < 200; i++) await new Promise((r) => setTimeout(r, 5));
    expect(unknown).toEqual([S.SERVICE_UNKNOWN]);
    other.cancel();
    expect(health.get('other.v1.Other')).toBeUndefined();
  });
});
