/**
 * A small real gRPC DirectoryService on 127.0.0.1 for the sign-in tests, answering from an in-test table:
 * GetOrg, GetConnector, ListConnectors, FindLoginUser, GetUserStatus and RecordActivity.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { AppError } from '../../../kit/src/errors.js';
import { implement, type CallContext, type Handlers } from '../../../kit/src/grpc-server.js';
import { createLogger } from '../../../kit/src/logger.js';
import { createMetrics } from '../../../kit/src/metrics.js';
import { serveCarried } from '../../../kit/src/multiplexed.js';
import { DIRECTORY_CARRIED } from '../../../kit/src/carried-methods.js';
import {
  ConnectorType,
  DirectoryServiceService,
  Role,
  User,
  type ActivityEntry,
  type Connector,
} from '../../../../proto/gen/directory/v1/directory.js';

export interface FakeUser {
  id: string;
  tenantId: string;
  userName: string;
  email: string;
  active: boolean;
  role: Role;
}

export class FakeDirectory {
  readonly orgs = new Map<string, { id: string; name: string; companyId: string }>();
  readonly users: FakeUser[] = [];
  readonly connectors = new Map<string, Connector>();
  readonly activity: ActivityEntry[] = [];
  /** Every call answered: the method, and the request id and trace id it came with (its CallContext). */
  readonly calls: Array<{ method: string; requestId: string; traceId?: string }> = [];
  address = '';
  private server?: Server;
  private seq = 0;

  addOrg(id: string) {
    this.orgs.set(id, { id, name: `Org ${id}`, companyId: id.toUpperCase() });
  }

  addConnector(tenantId: string, id: string, enabled = true) {
    this.connectors.set(`${tenantId}/${id}`, {
      id,
      tenantId,
      type: ConnectorType.CONNECTOR_TYPE_OKTA,
      enabled,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
  }

  setConnectorEnabled(tenantId: string, id: string, enabled: boolean) {
    this.connectors.get(`${tenantId}/${id}`)!.enabled = enabled;
  }

  addUser(u: Omit<FakeUser, 'id' | 'active' | 'role'> & Partial<Pick<FakeUser, 'active' | 'role'>>): FakeUser {
    const user: FakeUser = { id: `u${++this.seq}`, active: true, role: Role.ROLE_USER, ...u };
    this.users.push(user);
    return user;
  }

  actions(tenantId: string): string[] {
    return this.activity.filter((e) => e.tenantId === tenantId).map((e) => e.action);
  }

  private toProto(u: FakeUser): User {
    return User.fromPartial({
      id: u.id,
      tenantId: u.tenantId,
      userName: u.userName,
      displayName: u.userName,
      email: u.email,
      active: u.active,
      role: u.role,
      provisioned: true,
    });
  }

  async start(): Promise<string> {
    const matches = (u: FakeUser, login: string) =>
      u.userName.toLowerCase() === login.toLowerCase() || u.email.toLowerCase() === login.toLowerCase();
    const implemented: Partial<Handlers<typeof DirectoryServiceService>> = {
      getOrg: async (req) => {
        const org = this.orgs.get(req.tenantId);
        if (!org) throw new AppError('NOT_FOUND', `organization ${req.tenantId} not found`, 'org_not_found');
        return { org: { ...org, createdAt: new Date() } };
      },
      getConnector: async (req) => {
        const c = this.connectors.get(`${req.tenantId}/${req.connectorId}`);
        if (!c) throw new AppError('NOT_FOUND', `connector ${req.connectorId} not found`, 'connector_not_found');
        return { connector: c };
      },
      listConnectors: async (req) => ({
        connectors: [...this.connectors.values()].filter((c) => c.tenantId === req.tenantId),
      }),
      findLoginUser: async (req) => {
        const user = this.users.find((u) => u.tenantId === req.tenantId && matches(u, req.login));
        if (user) return { user: this.toProto(user), existsInOtherTenant: false };
        return {
          user: undefined,
          existsInOtherTenant: this.users.some((u) => u.tenantId !== req.tenantId && matches(u, req.login)),
        };
      },
      getUserStatus: async (req) => {
        const user = this.users.find((u) => u.tenantId === req.tenantId && u.id === req.userId);
        return user
          ? { exists: true, active: user.active, role: user.role }
          : { exists: false, active: false, role: Role.ROLE_UNSPECIFIED };
      },
      recordActivity: async (req) => {
        const id = `a${++this.seq}`;
        this.activity.push({ ...req.entry!, id });
        return { id };
      },
    };
    const handlers = Object.fromEntries(
      Object.keys(DirectoryServiceService).map((k) => {
        const handler = (implemented as Record<string, ((req: unknown) => Promise<unknown>) | undefined>)[k];
        return [
          k,
          async (req: unknown, ctx: CallContext) => {
            this.calls.push({ method: k, requestId: ctx.requestId, traceId: ctx.trace?.traceId });
            if (!handler) throw new Error(`fake directory: ${k} is not implemented`);
            return handler(req);
          },
        ];
      }),
    ) as Handlers<typeof DirectoryServiceService>;
    const opts = { logger: createLogger('fake-directory', 'error'), metrics: createMetrics('fake-directory') };
    const server = new Server();
    server.addService(
      DirectoryServiceService,
      implement(DirectoryServiceService, handlers, opts, {
        carry: serveCarried(DirectoryServiceService, handlers, DIRECTORY_CARRIED, opts).handler,
      }),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    this.address = `127.0.0.1:${port}`;
    return this.address;
  }

  async stop() {
    await new Promise<void>((resolve) => (this.server ? this.server.tryShutdown(() => resolve()) : resolve()));
  }
}
